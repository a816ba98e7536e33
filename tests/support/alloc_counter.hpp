// Replaces the global operator new/delete family with counted malloc/free, for code that
// asserts "this allocates nothing": the unit tests (answer, rrl) and the fuzz answer target.
// Include from exactly one file of a program.
//
// The whole family is replaced, so every new and delete meet the same malloc (ASan reports a
// mismatch when a replaced delete frees what an unreplaced new[] or nothrow new allocated).
// bench/alloc/alloc_count.c is not this: it counts malloc itself, per thread, in a running
// sipdnsd by LD_PRELOAD.
#pragma once
#include <atomic>
#include <cstdlib>
#include <new>

namespace sipdns::test {
// Every operator new while `counting` is set, on any thread. Counting is on from the start; a
// program that wants to count one stretch only (the fuzz target: inside respond(), while
// libFuzzer and ldns allocate freely around it) clears it and sets it around that stretch.
inline std::atomic<size_t> allocations{0};
inline std::atomic<bool> counting{true};

inline void* counted_malloc(std::size_t n) noexcept {
  if (counting.load(std::memory_order_relaxed))
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
