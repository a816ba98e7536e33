// FUZZ_CHECK: an invariant the fuzzer must never break. A failure prints what broke and aborts,
// which libFuzzer reports as a crash (saving the input) and the plain replay as a failed test.
#pragma once
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                               \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)
