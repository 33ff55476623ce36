/* hidden.h: CRK_HIDDEN, on every function of the format layer and every
 * internal function of the loader (lib/): the project's one name for it.
 *
 * The format layer is linked into the loader library for the library's own
 * use (and into blob2c and crk-dump, programs, where it changes nothing).
 * The library's ABI is the public header's API alone: a parser that leaked
 * into its exports could be called by any program that links it, and could
 * then never change. test/loader/test_lib_symbols.sh checks the exports against
 * the header. */
#ifndef CRK_HIDDEN_H
#define CRK_HIDDEN_H

#if defined(__GNUC__) || defined(__clang__)
#define CRK_HIDDEN __attribute__((visibility("hidden")))
#else
#define CRK_HIDDEN
#endif

#endif
