// Record and replay exchanges as NDJSON (docs/record-format.md).

export {createRecorder, type Recorder, type RecorderOptions} from './recorder.js';
export {createReplaySource, readReplay, type ReplayOptions, type ReplaySource, type ReplayWarning} from './replay.js';
export {exchangeToLine, lineToExchange} from './format.js';
