// The snapshot's pools: growable arrays of trivially copyable T.
//
// Design: a big pool lives in a mapping of its own that grows with mremap, so growing never
// copies what was written nor faults its pages in a second time (a std::vector doubling a
// 100 MB pool writes it twice and touches three times its size), and the slack beyond size()
// is address space that is never written, so never resident. A snapshot of a million names
// is built with no copy of its pools but the one merge of a second encoder's share
// (compile/build.cpp). Small pools (an overlay's few nodes) use malloc.
#pragma once
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

namespace sipdns::compile {

template <class T>
class pool {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  pool() = default;
  pool(const pool& o) { append(o.data(), o.size()); }
  pool(pool&& o) noexcept { swap(o); }
  pool& operator=(pool o) noexcept {
    swap(o);
    return *this;
  }
  ~pool() { release(); }
  void swap(pool& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(size_, o.size_);
    std::swap(cap_, o.cap_);
    std::swap(mapped_, o.mapped_);
    std::swap(pieces_, o.pieces_);
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return p_; }
  const T* data() const { return p_; }
  T& operator[](size_t i) { return p_[i]; }
  const T& operator[](size_t i) const { return p_[i]; }
  T* begin() { return p_; }
  T* end() { return p_ + size_; }
  const T* begin() const { return p_; }
  const T* end() const { return p_ + size_; }
  T& back() { return p_[size_ - 1]; }

  void reserve(size_t n) {
    if (n > cap_) grow_to(n);
  }
  // `v` (and `from` below) may lie in this pool, which growing may move: read it first.
  void push_back(const T& v) {
    const T copy = v;
    if (size_ == cap_) grow_to(size_ + 1);
    p_[size_++] = copy;
  }
  template <class... Args>
  T& emplace_back(Args&&... args) {
    const T made{std::forward<Args>(args)...};
    if (size_ == cap_) grow_to(size_ + 1);
    p_[size_] = made;
    return p_[size_++];
  }
  void append(const T* from, size_t n) {
    if (n == 0) return;
    if (size_ + n > cap_) {
      const bool inside =
          std::less_equal<const T*>()(p_, from) && std::less<const T*>()(from, p_ + size_);
      const size_t at = inside ? size_t(from - p_) : 0;
      grow_to(size_ + n);
      if (inside) from = p_ + at;
    }
    std::memcpy(p_ + size_, from, n * sizeof(T));
    size_ += n;
  }
  template <class U = T, class = std::enable_if_t<std::is_same_v<U, char>>>
  pool& operator+=(std::string_view s) {
    append(s.data(), s.size());
    return *this;
  }
  void assign(size_t n, const T& v) {
    size_ = 0;
    reserve(n);
    std::fill_n(p_, n, v);
    size_ = n;
  }
  // Gives the memory back now (a merged part's pool), not when the pool goes.
  void free() { pool().swap(*this); }

  // Fills up to a whole page with `filler`, for a pool whose entries only offsets name (never
  // iterated), so that splice() can move another pool's pages behind it.
  void pad_to_page(const T& filler) {
    if (!mapped_ || page() % sizeof(T) != 0) return;
    const size_t per_page = page() / sizeof(T);
    const size_t n = (size_ + per_page - 1) / per_page * per_page;
    while (size_ < n) push_back(filler);
  }
  // Appends `tail`'s entries and empties it. When both are mapped and this pool ends on a page
  // boundary, tail's pages are moved behind this pool's with mremap: nothing is copied, no
  // page is faulted in again. Otherwise a copy.
  void splice(pool& tail) {
    const size_t at = size_ * sizeof(T);
    // A tail of several mappings is copied: before Linux 6.17 a MREMAP_FIXED of it failed only
    // after unmapping the destination, which the copy would then write into.
    if (mapped_ && tail.mapped_ && !tail.pieces_ && at % page() == 0 && move_behind(tail, at))
      return;
    append(tail.data(), tail.size());
    tail.free();
  }

 private:
  static constexpr size_t mapped_from = size_t(1) << 20;  // bytes; below: malloc
  static constexpr size_t map_unit = size_t(2) << 20;     // a huge page: no partial one
  static size_t map_size(size_t bytes) { return (bytes + map_unit - 1) / map_unit * map_unit; }

  static size_t page() {
    static const size_t size = size_t(::sysconf(_SC_PAGESIZE));
    return size;
  }

  bool move_behind(pool& tail, size_t at) {
    const size_t tail_map = map_size(tail.cap_ * sizeof(T)), whole = map_size(at + tail_map);
    void* p = ::mremap(p_, map_size(cap_ * sizeof(T)), whole, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) return false;
    p_ = static_cast<T*>(p);
    cap_ = whole / sizeof(T);
    // MREMAP_FIXED replaces what is there: pages of ours never written.
    void* dest = static_cast<char*>(p) + at;
    if (::mremap(tail.p_, tail_map, tail_map, MREMAP_MAYMOVE | MREMAP_FIXED, dest) == MAP_FAILED)
      return false;
    size_ += tail.size_;
    pieces_ = true;
    tail.p_ = nullptr;  // its mapping is ours now
    tail.size_ = tail.cap_ = 0;
    tail.mapped_ = false;
    return true;
  }

  void grow_to(size_t n) {
    const size_t cap = std::max({n, cap_ * 2, size_t(16)});
    const size_t bytes = cap * sizeof(T);
    void* p = nullptr;
    if (bytes < mapped_from) {
      p = std::realloc(p_, bytes);
      if (!p) throw std::bad_alloc();
    } else if (!mapped_) {
      p = ::mmap(nullptr, map_size(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
      if (p == MAP_FAILED) throw std::bad_alloc();
      if (size_) std::memcpy(p, p_, size_ * sizeof(T));
      std::free(p_);
      mapped_ = true;
    } else {
      p = ::mremap(p_, map_size(cap_ * sizeof(T)), map_size(bytes), MREMAP_MAYMOVE);
      // After a splice() the pool spans several mappings, which mremap cannot resize (EFAULT):
      // a new mapping and one copy then.
      if (p == MAP_FAILED) {
        p = copy_to_new_mapping(map_size(bytes));
        pieces_ = false;
      }
    }
    p_ = static_cast<T*>(p);
    cap_ = mapped_ ? map_size(bytes) / sizeof(T) : cap;
  }
  void* copy_to_new_mapping(size_t bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    if (size_) std::memcpy(p, p_, size_ * sizeof(T));
    ::munmap(p_, map_size(cap_ * sizeof(T)));
    return p;
  }
  void release() {
    if (mapped_) ::munmap(p_, map_size(cap_ * sizeof(T)));
    else std::free(p_);
    p_ = nullptr;
    size_ = cap_ = 0;
    mapped_ = pieces_ = false;
  }

  T* p_ = nullptr;
  size_t size_ = 0, cap_ = 0;
  bool mapped_ = false;
  bool pieces_ = false;  // mapped_ and made of several mappings (splice moved pages in)
};

}  // namespace sipdns::compile
