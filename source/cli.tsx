#!/usr/bin/env node
// httptop's executable (dist/source/cli.js). React, inside Ink, runs its
// development build unless told otherwise: checks no user sees, at twice the
// cost of every render. So the mode is set before anything loads React.

process.env.NODE_ENV ??= 'production';

const {main} = await import('./cli/main.js');

// A reader that goes away (`httptop --snapshot | head -1`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	process.exit(error.code === 'EPIPE' ? 0 : 1);
});

const code = await main(process.argv.slice(2));
// Exit explicitly: the capture's native thread and the demo's children must not keep the process alive.
process.exit(code);
