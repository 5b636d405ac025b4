// A request target split into what httptop groups by (the path) and what it
// keeps only when asked (the query: it often carries tokens and personal data).

export type SplitTarget = {
	readonly path: string;
	readonly query: string | null; // without the '?'; null when absent or not kept
	readonly authority: string | null; // host[:port] of an absolute-form target (proxies)
};

const absoluteForm = /^[a-z][a-z\d+.-]*:\/\//i;

const splitQuery = (target: string, keepQuery: boolean, authority: string | null): SplitTarget => {
	const mark = target.indexOf('?');
	if (mark < 0) return {path: target, query: null, authority};
	return {path: target.slice(0, mark), query: keepQuery ? target.slice(mark + 1) : null, authority};
};

/** Splits origin-form ("/a?b") and absolute-form ("http://h/a?b") targets; "*" and CONNECT's "host:port" stay whole. */
export const splitTarget = (target: string, keepQuery: boolean): SplitTarget => {
	if (target.charCodeAt(0) === 0x2f) return splitQuery(target, keepQuery, null);
	const scheme = absoluteForm.exec(target);
	if (scheme === null) return {path: target, query: null, authority: null};
	const authorityStart = scheme[0].length;
	let pathStart = authorityStart;
	while (pathStart < target.length && target[pathStart] !== '/' && target[pathStart] !== '?') pathStart++;
	// "user:password@" before the host is a secret: never kept.
	const userInfoEnd = target.lastIndexOf('@', pathStart - 1);
	const authority = target.slice(Math.max(authorityStart, userInfoEnd + 1), pathStart);
	const rest = target.slice(pathStart);
	return splitQuery(rest.startsWith('?') ? `/${rest}` : rest || '/', keepQuery, authority || null);
};
