// Builds the sender-recovery addon (recover.c with the vendored libsecp256k1, see
// libsecp256k1/VENDORED.md); run by npm as this package's install script, and by hand with
// `npm rebuild @lanes/core`. Without it, recovery uses the `secp256k1` package's prebuilt
// 2019 libsecp256k1 (~1.4x slower), and says so.
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildAddon, buildOrWarn, cc, run } from './cc.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const build = join(here, 'build')
const lib = join(here, 'libsecp256k1')
// ECMULT_WINDOW_SIZE 15 is libsecp256k1's default: 1 MiB of odd multiples of G for verify/recover
const defines = [
  '-DECMULT_WINDOW_SIZE=15',
  '-DECMULT_GEN_PREC_BITS=4',
  '-DENABLE_MODULE_RECOVERY=1',
]
const includes = [`-I${join(lib, 'include')}`, `-I${join(lib, 'src')}`]

buildOrWarn(
  join(build, 'status.txt'),
  (reason) =>
    `@lanes/core: native sender recovery not built (${reason}); recovery falls back to the ` +
    "`secp256k1` package's prebuilt library, ~1.4x slower. To fix: install a C compiler " +
    "(apt-get install gcc) and Node's headers (node_api.h), then run `npm rebuild @lanes/core`.",
  () => {
    // The precomputed tables are generated here, as libsecp256k1's own build does, rather than
    // vendored (3.8 MB of C): the generators take well under a second.
    const gen = join(build, 'gen')
    mkdirSync(join(gen, 'src'), { recursive: true })
    for (const name of ['precompute_ecmult', 'precompute_ecmult_gen']) {
      const exe = join(gen, name)
      run(cc, ['-O2', ...defines, ...includes, join(lib, 'src', `${name}.c`), '-o', exe])
      run(exe, [], { cwd: gen }) // writes src/precomputed_*.c under cwd
    }
    buildAddon({
      sources: [join(here, 'recover.c')],
      out: join(build, 'recover.node'),
      args: [
        '-O2',
        '-std=gnu11',
        '-fvisibility=hidden',
        '-Wno-unused-function',
        ...defines,
        ...includes,
        `-I${join(gen, 'src')}`,
      ],
    })
  },
)
