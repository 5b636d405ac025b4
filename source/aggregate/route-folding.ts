// Folding of segments that explode in distinct values, learned from the traffic
// (the idea of OpenTelemetry eBPF Instrumentation's `low-cardinality` route mode
// and its max_path_segment_cardinality). A tree of normalized segments counts
// the distinct values seen after each prefix; once a prefix has seen more than
// `limit` of them, every value there becomes `*` (keeping a short extension:
// `/static/*.css`), now and for the routes already seen. Placeholders (:id...)
// count as one value each. The tree itself is bounded: past `maxNodes`, an
// unseen segment ends its route in `/**`.

import {extensionStart, maxRouteSegments, maxSegmentLength, normalizeSegment, pathBounds} from './route.js';

export const defaultSegmentLimit = 32;
const defaultMaxNodes = 20_000;
/** Distinct extensions kept under a folded prefix before they too become plain `*`. */
const maxWildcardExtensions = 8;

/** A route the folder hands out; the same object every time for the same route (until a fold). */
export type RouteNode = {readonly route: string};

type SegmentNode = RouteNode & {
	children: Map<string, SegmentNode> | null; // null once folded
	wildcard: Map<string, SegmentNode> | null; // "*" and "*.ext" children once folded
	rest: RouteNode | null; // this route + "/**": where deeper paths end when the tree is full or too deep
	// The last few children reached through a segment written out as is (not a
	// placeholder): the next path with the same segment finds its child by
	// comparing text in place, without normalizing, slicing or hashing it.
	readonly recentSegments: string[];
	readonly recentHashes: number[];
	readonly recentChildren: SegmentNode[];
	recentNext: number;
};

const recentPerNode = 8;

const newNode = (route: string): SegmentNode =>
	({route, children: new Map(), wildcard: null, rest: null, recentSegments: [], recentHashes: [], recentChildren: [], recentNext: 0});

/** Whether text[start, start + segment.length) is `segment` (a loop: startsWith with a position is a slow builtin call). */
function sameText(text: string, start: number, segment: string): boolean {
	for (let i = 0; i < segment.length; i++) {
		if (text.charCodeAt(start + i) !== segment.charCodeAt(i)) {
			return false;
		}
	}
	return true;
}

/** A child of `node` reached recently through exactly path[start, end), whose hash is `hash`, if any. */
function recentChild(node: SegmentNode, path: string, start: number, end: number, hash: number): SegmentNode | undefined {
	const {recentSegments, recentHashes} = node;
	for (let i = 0; i < recentSegments.length; i++) {
		const segment = recentSegments[i]!;
		if (recentHashes[i] === hash && segment.length === end - start && sameText(path, start, segment)) {
			return node.recentChildren[i];
		}
	}
	return undefined;
}

function rememberChild(node: SegmentNode, segment: string, hash: number, child: SegmentNode): void {
	const slot = node.recentNext;
	node.recentSegments[slot] = segment;
	node.recentHashes[slot] = hash;
	node.recentChildren[slot] = child;
	node.recentNext = (slot + 1) % recentPerNode;
}

function subtreeSize(node: SegmentNode): number {
	let size = 1;
	for (const child of (node.children ?? node.wildcard)!.values()) {
		size += subtreeSize(child);
	}
	return size;
}

const restOf = (node: SegmentNode): RouteNode => {
	node.rest ??= {route: node.route + '/**'};
	return node.rest;
};

export class RouteFolder {
	/** Bumped on every fold: routes handed out before it may now fold further. */
	version = 0;
	private readonly root = newNode('');
	private readonly special = new Map(['*', ':authority', '/'].map(route => [route, {route}]));
	private nodes = 1;

	constructor(
		private readonly limit = defaultSegmentLimit,
		private readonly maxNodes = defaultMaxNodes,
	) {}

	/** The route of a raw path (normalizeRoute, then folding), learning from it. */
	routeOf(path: string): string {
		return this.nodeOf(path).route;
	}

	/**
	 * The route node of a raw path. Also accepts a route it returned before, to
	 * re-fold it after `version` moved (normalizing a route changes nothing).
	 */
	nodeOf(path: string): RouteNode {
		if (path === '*') {
			return this.special.get('*')!;
		}
		// Where the path proper starts; its end ("?", "#" or the string's end) is found segment by segment below.
		const start = path.charCodeAt(0) === 47 ? 0 : pathBounds(path)?.start;
		if (start === undefined) {
			return this.special.get(':authority')!;
		}
		if (start === path.length) {
			return this.special.get('/')!;
		}
		let node = this.root;
		let segments = 0;
		let segmentStart = start + 1;
		for (;;) {
			// One pass over the segment: where it ends, and a hash of it for the recently-seen shortcut.
			let segmentEnd = segmentStart;
			let hash = 0;
			let code = 0;
			let digits = true;
			for (; segmentEnd < path.length; segmentEnd++) {
				code = path.charCodeAt(segmentEnd);
				if (code === 47 || code === 63 || code === 35) {
					break;
				}
				hash = (Math.imul(hash, 31) + code) | 0;
				digits &&= code >= 48 && code <= 57;
			}
			if (++segments > maxRouteSegments) {
				return restOf(node);
			}
			// Under a folded prefix, the wildcard child its extension picks. Else, a segment
			// that is its own normal form (a name, not an id) and was seen here lately:
			// normalizing it again would give the same text.
			let next: SegmentNode | null | undefined = node.children === null
				? this.wildcardChild(node, foldedKey(path, segmentStart, segmentEnd))
				: recentChild(node, path, segmentStart, segmentEnd, hash);
			if (next === null) {
				return restOf(node);
			}
			if (next === undefined) {
				// All digits is the commonest id, and normalizes to :id (see normalizeSegment).
				const segment = digits && segmentEnd > segmentStart ? ':id' : normalizeSegment(path, segmentStart, segmentEnd);
				next = this.step(node, segment);
				if (next === null) {
					return restOf(node);
				}
				if (node.children !== null && segment.length === segmentEnd - segmentStart && sameText(path, segmentStart, segment)) {
					rememberChild(node, segment, hash, next);
				}
			}
			node = next;
			if (segmentEnd >= path.length || code !== 47) {
				return node;
			}
			segmentStart = segmentEnd + 1;
		}
	}

	/** The child of `node` for `segment`, created or folded as needed; null when the tree is full. */
	private step(node: SegmentNode, segment: string): SegmentNode | null {
		if (node.children !== null) {
			const child = node.children.get(segment);
			if (child !== undefined) {
				return child;
			}
			if (node.children.size < this.limit) {
				if (this.nodes >= this.maxNodes) {
					return null;
				}
				const created = newNode(node.route + '/' + segment);
				node.children.set(segment, created);
				this.nodes++;
				return created;
			}
			this.fold(node);
		}
		return this.wildcardChild(node, wildcardKey(segment));
	}

	/** The child of folded `node` for a segment whose wildcard key is `key`, created as needed; null when the tree is full. */
	private wildcardChild(node: SegmentNode, key: string): SegmentNode | null {
		const wildcard = node.wildcard!;
		let child = wildcard.get(key);
		if (child === undefined && key !== '*' && key !== '' && wildcard.size >= maxWildcardExtensions) {
			key = '*';
			child = wildcard.get(key);
		}
		if (child === undefined) {
			if (this.nodes >= this.maxNodes) {
				return null;
			}
			child = newNode(node.route + '/' + key);
			wildcard.set(key, child);
			this.nodes++;
		}
		return child;
	}

	private fold(node: SegmentNode): void {
		this.nodes -= subtreeSize(node) - 1;
		node.children = null;
		node.wildcard = new Map();
		node.rest = null;
		node.recentSegments.length = 0;
		node.recentHashes.length = 0;
		node.recentChildren.length = 0;
		node.recentNext = 0;
		this.version++;
	}
}

/**
 * wildcardKey(normalizeSegment(path, start, end)), from the raw text: under a
 * folded prefix only the extension survives, so the segment need not be
 * classified (placeholders keep the raw extension; one has none: a segment too
 * long to be a name, ":token"). A flood of unique paths lands here for most
 * segments.
 */
function foldedKey(path: string, start: number, end: number): string {
	for (let i = start; i < end; i++) {
		if (path.charCodeAt(i) === 59) {
			end = i; // matrix parameters, as normalizeSegment
			break;
		}
	}
	if (end === start) {
		return '';
	}
	if (end - start > maxSegmentLength) {
		return '*';
	}
	const dot = extensionStart(path, start, end);
	return dot > 0 ? '*' + path.slice(dot, end).toLowerCase() : '*';
}

/** What a segment shows under a folded prefix: `*`, `*.css`; an empty segment (trailing slash) stays empty. */
function wildcardKey(segment: string): string {
	if (segment === '') {
		return '';
	}
	const dot = extensionStart(segment, 0, segment.length);
	return dot > 0 ? '*' + segment.slice(dot).toLowerCase() : '*';
}
