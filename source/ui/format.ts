// Numbers as a person reads them in a narrow column: at most three
// significant digits and a unit, never more than 7 cells.
import {isUnixAddress} from '../http/exchange.js';

const noValue = '-';

const isMissing = (value: number): boolean => !Number.isFinite(value) || value < 0;

/** Three significant digits: 1.23, 12.3, 123. */
function threeDigits(value: number): string {
	if (value >= 99.95) {
		return Math.round(value).toString();
	}

	if (value >= 9.995) {
		return value.toFixed(1);
	}

	return value.toFixed(2);
}

/** A duration given in milliseconds: `850µs`, `12.3ms`, `1.24s`, `2m05s`, `3h02m`. */
export function formatDuration(ms: number): string {
	if (isMissing(ms)) {
		return noValue;
	}

	if (ms === 0) {
		return '0';
	}

	if (ms < 0.9995) {
		return `${Math.max(1, Math.round(ms * 1000))}µs`;
	}

	if (ms < 999.5) {
		return `${threeDigits(ms)}ms`;
	}

	if (ms < 59_995) {
		return `${threeDigits(ms / 1000)}s`;
	}

	const totalSeconds = Math.round(ms / 1000);
	if (totalSeconds < 3600) {
		return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, '0')}s`;
	}

	const totalMinutes = Math.floor(totalSeconds / 60);
	if (totalMinutes < 24 * 60) {
		return `${Math.floor(totalMinutes / 60)}h${String(totalMinutes % 60).padStart(2, '0')}m`;
	}

	const days = Math.floor(totalMinutes / 1440);
	return days >= 100 ? `${days}d` : `${days}d${String(Math.floor(totalMinutes / 60) % 24).padStart(2, '0')}h`;
}

const byteUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** A byte count or byte rate in binary units: `512B`, `1.50KiB`, `12.3MiB`. */
export function formatBytes(bytes: number): string {
	if (isMissing(bytes)) {
		return noValue;
	}

	if (bytes < 1) {
		return bytes === 0 ? '0' : '<1B';
	}

	let value = bytes;
	let unit = 0;
	// 1000 rather than 1024 keeps the figure at three digits before the unit.
	while (value >= 999.5 && unit < byteUnits.length - 1) {
		value /= 1024;
		unit++;
	}

	return unit === 0 ? `${Math.round(value)}B` : `${threeDigits(value)}${byteUnits[unit]}`;
}

const decimalUnits = ['', 'k', 'M', 'G', 'T'];

/** A count with SI suffixes: `999`, `12.3k`, `4.56M`. */
export function formatCount(count: number): string {
	if (isMissing(count)) {
		return noValue;
	}

	if (count < 9999.5) {
		return Math.round(count).toString();
	}

	let value = count / 1000;
	let unit = 1;
	while (value >= 999.5 && unit < decimalUnits.length - 1) {
		value /= 1000;
		unit++;
	}

	return `${threeDigits(value)}${decimalUnits[unit]}`;
}

/** A rate per second: `0`, `0.20`, `12.5`, `340`, `12.3k`. */
export function formatRate(perSecond: number): string {
	if (isMissing(perSecond)) {
		return noValue;
	}

	if (perSecond === 0) {
		return '0';
	}

	if (perSecond < 0.005) {
		return '<0.01';
	}

	if (perSecond < 999.5) {
		return threeDigits(perSecond);
	}

	return formatCount(perSecond);
}

/** A ratio 0..1 as a percentage: `0%`, `0.52%`, `12.5%`, `100%`. */
export function formatPercent(ratio: number): string {
	if (isMissing(ratio)) {
		return noValue;
	}

	if (ratio === 0) {
		return '0%';
	}

	const percent = ratio * 100;
	if (percent < 0.01) {
		return '<0.01%';
	}

	return `${threeDigits(percent)}%`;
}

/** A host and port as an address: `10.0.0.1:80`, `[::1]:8080`; a unix socket's name alone, `(unnamed)` for none. */
export function formatAddress(address: {readonly address: string; readonly port: number}): string {
	if (isUnixAddress(address.address) || (address.address === '' && address.port === 0)) {
		return address.address === '' ? '(unnamed)' : address.address;
	}

	const host = address.address.includes(':') ? `[${address.address}]` : address.address;
	return `${host}:${address.port}`;
}
