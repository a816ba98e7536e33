// Replaces the global operator new/delete family with counted malloc/free, for tests that
// assert "this code allocates nothing". Include from exactly one file of a test program.
//
// The whole family is replaced, so every new and delete meet the same malloc (ASan reports a
// mismatch when a replaced delete frees what an unreplaced new[] or nothrow new allocated).
#pragma once
#include <atomic>
#include <cstdlib>
#include <new>

namespace sipdns::test {
// Every operator new since the program started, on any thread.
inline std::atomic<size_t> allocations{0};

inline void* counted_malloc(std::size_t n) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
}  // namespace sipdns::test

void* operator new(std::size_t n) {
  if (void* p = sipdns::test::counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = sipdns::test::counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return sipdns::test::counted_malloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return sipdns::test::counted_malloc(n);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
