// What the CLI hands the live view. The view knows exchanges only through the
// source and the aggregator, never the kernel.

import type {Aggregator, ViewOptions} from '../aggregate/types.js';
import type {ExchangeSource} from '../pipeline/exchange-source.js';
import type {Screen} from './screen.js';

export type AppProps = {
	readonly source: ExchangeSource;
	readonly aggregator: Aggregator;
	readonly initialView: ViewOptions;
	readonly intervalMs: number; // refresh period (-d SECONDS)
	readonly color: boolean; // false with --no-color or NO_COLOR
	readonly showQuery: boolean; // --show-query: query strings may be displayed
	readonly hostname: string;
	readonly now?: () => number; // epoch ms; tests pass a fixed clock
	readonly onQuit?: () => void; // called once when the user quits (q, Esc, Ctrl-C), before the view unmounts
	readonly screen?: Screen; // draws the body outside Ink (run-live-view.tsx); without it Ink draws everything (tests)
};
