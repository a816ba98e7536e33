// Fuzz target: arbitrary bytes as an RFC 1035 master file -> `sipdns import` (ldns's reader,
// the renderer, cluster recognition, the TOML writer and its check through the real loader).
// It must end with exit status 0 (TOML printed) or 1 (an error on stderr), never crash, hang
// or call an argument a usage error. What it prints is not read: during the call, glibc's
// stdout and stderr point at /dev/null (the sanitizers and libFuzzer write to fd 2 or a
// stream they took at start-up, so their reports still show).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "check.hpp"
#include "import/import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16 * 1024) return 0;  // a few hundred records: keeps every input fast
  const std::string& path = fuzz_file("fuzz.zone");  // import reads from a path
  fuzz_write(path, data, size);
  static std::FILE* quiet = std::fopen("/dev/null", "w");
  FUZZ_CHECK(quiet != nullptr);
  std::FILE *out = stdout, *err = stderr;
  stdout = stderr = quiet;
  // An origin for files without $ORIGIN, as an operator would give it.
  const int rc = sipdns::tools::import_zone({path, "--origin", "fuzz.test"});
  stdout = out, stderr = err;
  FUZZ_CHECK(rc == 0 || rc == 1);
  return 0;
}
