// Builds the native keccak addon (keccak65.c) with the system C compiler (see
// @lanes/core/native/cc.mjs); run by npm as this package's install script, and by hand with
// `npm rebuild @lanes/state-tree`. A failed build is not fatal: the tree then hashes in
// WebAssembly, about 7x slower, and says so.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildAddon, buildOrWarn } from '@lanes/core/native/cc.mjs'

const here = dirname(fileURLToPath(import.meta.url))

buildOrWarn(
  join(here, 'build', 'status.txt'),
  (reason) =>
    `@lanes/state-tree: native keccak not built (${reason}); the state tree will hash in ` +
    'WebAssembly, about 7x slower. To fix: install a C compiler (apt-get install gcc) and ' +
    "Node's headers (node_api.h), then run `npm rebuild @lanes/state-tree`.",
  () =>
    buildAddon({
      sources: [join(here, 'keccak65.c')],
      out: join(here, 'build', 'keccak65.node'),
      args: ['-O3', '-std=c11'],
    }),
)
