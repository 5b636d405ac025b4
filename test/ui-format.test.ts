import test from 'ava';
import {formatAddress, formatBytes, formatCount, formatDuration, formatPercent, formatRate} from '../source/ui/format.js';
import {sparkline} from '../source/ui/sparkline.js';

test('durations pick µs, ms, s, minutes, hours', t => {
	t.is(formatDuration(0), '0');
	t.is(formatDuration(0.000_4), '1µs');
	t.is(formatDuration(0.85), '850µs');
	t.is(formatDuration(1), '1.00ms');
	t.is(formatDuration(12.34), '12.3ms');
	t.is(formatDuration(123.4), '123ms');
	t.is(formatDuration(999.4), '999ms');
	t.is(formatDuration(999.6), '1.00s');
	t.is(formatDuration(1234), '1.23s');
	t.is(formatDuration(45_600), '45.6s');
	t.is(formatDuration(125_000), '2m05s');
	t.is(formatDuration(3_725_000), '1h02m');
	t.is(formatDuration(2 * 86_400_000 + 3 * 3_600_000), '2d03h');
	t.is(formatDuration(400 * 86_400_000), '400d');
	t.is(formatDuration(Number.NaN), '-');
	t.is(formatDuration(-1), '-');
});

test('bytes use binary units with three digits', t => {
	t.is(formatBytes(0), '0');
	t.is(formatBytes(0.5), '<1B');
	t.is(formatBytes(512), '512B');
	t.is(formatBytes(999), '999B');
	t.is(formatBytes(1000), '0.98KiB');
	t.is(formatBytes(1536), '1.50KiB');
	t.is(formatBytes(12.3 * 1024 * 1024), '12.3MiB');
	t.is(formatBytes(5 * 1024 ** 3), '5.00GiB');
	t.is(formatBytes(Number.POSITIVE_INFINITY), '-');
});

test('counts and rates use SI suffixes', t => {
	t.is(formatCount(0), '0');
	t.is(formatCount(9999), '9999');
	t.is(formatCount(12_345), '12.3k');
	t.is(formatCount(4_560_000), '4.56M');
	t.is(formatCount(999_600), '1.00M');
	t.is(formatRate(0), '0');
	t.is(formatRate(0.001), '<0.01');
	t.is(formatRate(0.2), '0.20');
	t.is(formatRate(12.54), '12.5');
	t.is(formatRate(340), '340');
	t.is(formatRate(12_300), '12.3k');
});

test('percentages keep small error rates visible', t => {
	t.is(formatPercent(0), '0%');
	t.is(formatPercent(0.000_01), '<0.01%');
	t.is(formatPercent(0.0052), '0.52%');
	t.is(formatPercent(0.125), '12.5%');
	t.is(formatPercent(1), '100%');
});

test('every humanised figure fits a 7-cell column', t => {
	for (let exponent = -4; exponent < 13; exponent += 0.25) {
		const value = 10 ** exponent;
		for (const text of [formatDuration(value), formatBytes(value), formatCount(value), formatRate(value)]) {
			t.true(text.length <= 7, `${value} -> ${text}`);
		}
	}
});

test('addresses bracket IPv6', t => {
	t.is(formatAddress({address: '10.0.0.1', port: 80}), '10.0.0.1:80');
	t.is(formatAddress({address: '::1', port: 8080}), '[::1]:8080');
	t.is(formatAddress({address: '/run/app.sock', port: 0}), '/run/app.sock');
	t.is(formatAddress({address: '@podman', port: 0}), '@podman');
	t.is(formatAddress({address: '', port: 0}), '(unnamed)');
});

test('sparkline scales to its peak, newest on the right, idle as gaps', t => {
	t.is(sparkline([0, 1, 2, 4, 8], 5), ' ▂▃▅█');
	t.is(sparkline([3, 3], 4), '  ██');
	t.is(sparkline([5, 0, 5], 3), '█ █');
	t.is(sparkline([1, 2, 3], 2), '▆█');
	t.is(sparkline([], 3), '   ');
	t.is(sparkline([1], 0), '');
});
