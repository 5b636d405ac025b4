import test from 'ava';
import {splitTarget} from '../source/http/target.js';

test('origin-form: the query is split off and kept only when asked', (t) => {
	t.deepEqual(splitTarget('/echo?x=1&token=s3cret', false), {path: '/echo', query: null, authority: null});
	t.deepEqual(splitTarget('/echo?x=1&token=s3cret', true), {path: '/echo', query: 'x=1&token=s3cret', authority: null});
	t.deepEqual(splitTarget('/a.txt', true), {path: '/a.txt', query: null, authority: null});
	t.deepEqual(splitTarget('/search?', true), {path: '/search', query: '', authority: null});
});

test('absolute-form (proxies): the authority is split off, credentials never kept', (t) => {
	t.deepEqual(splitTarget('http://example.com:8080/a/b?q=1', true), {path: '/a/b', query: 'q=1', authority: 'example.com:8080'});
	t.deepEqual(splitTarget('http://example.com', false), {path: '/', query: null, authority: 'example.com'});
	t.deepEqual(splitTarget('http://example.com?q=1', false), {path: '/', query: null, authority: 'example.com'});
	const withCredentials = splitTarget('http://user:pa55word@example.com/x', true);
	t.deepEqual(withCredentials, {path: '/x', query: null, authority: 'example.com'});
	t.false(JSON.stringify(withCredentials).includes('pa55word'));
});

test('asterisk-form and CONNECT authority-form stay whole', (t) => {
	t.deepEqual(splitTarget('*', true), {path: '*', query: null, authority: null});
	t.deepEqual(splitTarget('example.com:443', true), {path: 'example.com:443', query: null, authority: null});
});
