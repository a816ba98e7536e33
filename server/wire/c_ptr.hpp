// One owner for objects of C libraries (ldns, OpenSSL, malloc'd strings): a unique_ptr whose
// deleter is the library's own free function, named once as a template argument.
//   using rr_ptr = wire::c_ptr<ldns_rr, ldns_rr_free>;
// Header-only and free of any library header, so that every module may use it.
#pragma once
#include <cstdlib>
#include <memory>

namespace sipdns::wire {

template <auto Free>
struct c_deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

template <class T, auto Free>
using c_ptr = std::unique_ptr<T, c_deleter<Free>>;

// Strings that a C library returns from malloc (ldns_rr2str, ldns_rr_type2str).
inline void free_c_string(char* p) noexcept { std::free(p); }
using c_string = c_ptr<char, free_c_string>;

}  // namespace sipdns::wire
