/* alloc_count.c: an LD_PRELOAD library that counts heap allocations per thread, and prints the
 * counters to stderr whenever the process receives SIGUSR2.
 *
 * Interposes malloc, calloc, realloc, reallocarray, free and the aligned allocators
 * (posix_memalign, aligned_alloc, memalign, valloc, pvalloc); libstdc++'s operator new and
 * delete call malloc and free (aligned new: aligned_alloc), so C++ allocations are counted
 * too. The real work is done by glibc's exported __libc_* entry points, so there is no dlsym
 * bootstrap (dlsym itself allocates).
 *
 * Counters live in a fixed table of per-thread slots (claimed by thread id with a CAS, no lock,
 * no allocation) and are updated with relaxed atomics. The SIGUSR2 handler only reads them and
 * formats with its own code into a stack buffer written with write(2): async-signal-safe. One
 * report looks like:
 *
 *   alloc_count: snapshot 1 pid 1234
 *   alloc_count: thread 1234 malloc 10 calloc 0 realloc 1 aligned 0 free 9
 *   alloc_count: total malloc 10 calloc 0 realloc 1 aligned 0 free 9 allocs 11
 *   alloc_count: end 1
 *
 * "allocs" is malloc + calloc + realloc + aligned: the calls that may take memory from the heap.
 * Threads beyond the table's size are counted in one overflow slot (thread id 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void __libc_free(void*);
extern void* __libc_memalign(size_t, size_t);

enum { K_MALLOC, K_CALLOC, K_REALLOC, K_ALIGNED, K_FREE, K_COUNT };
static const char* const kind_names[K_COUNT] = {"malloc", "calloc", "realloc", "aligned", "free"};

#define SLOTS 255
struct slot {
  int tid; /* 0: free slot */
  unsigned long n[K_COUNT];
};
static struct slot slots[SLOTS + 1]; /* slots[SLOTS]: overflow, tid 0 */
static unsigned long snapshots;

static __thread struct slot* my_slot __attribute__((tls_model("initial-exec")));

static struct slot* find_slot(void) {
  struct slot* s = my_slot;
  if (s) return s;
  int tid = (int)syscall(SYS_gettid);
  for (int i = 0; i < SLOTS; i++) {
    int cur = __atomic_load_n(&slots[i].tid, __ATOMIC_ACQUIRE);
    if (cur == tid) {
      s = &slots[i];
      break;
    }
    if (cur == 0) {
      int expected = 0;
      if (__atomic_compare_exchange_n(&slots[i].tid, &expected, tid, 0, __ATOMIC_ACQ_REL,
                                      __ATOMIC_ACQUIRE)) {
        s = &slots[i];
        break;
      }
      if (expected == tid) {
        s = &slots[i];
        break;
      }
    }
  }
  if (!s) s = &slots[SLOTS];
  my_slot = s;
  return s;
}

static inline void count(int kind) {
  __atomic_fetch_add(&find_slot()->n[kind], 1, __ATOMIC_RELAXED);
}

void* malloc(size_t size) {
  count(K_MALLOC);
  return __libc_malloc(size);
}
void* calloc(size_t n, size_t size) {
  count(K_CALLOC);
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t size) {
  count(K_REALLOC);
  return __libc_realloc(p, size);
}
void* reallocarray(void* p, size_t n, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(n, size, &total)) {
    errno = ENOMEM;
    return NULL;
  }
  count(K_REALLOC);
  return __libc_realloc(p, total);
}
void free(void* p) {
  if (p) count(K_FREE);
  __libc_free(p);
}
void cfree(void* p) { free(p); }
void* memalign(size_t align, size_t size) {
  count(K_ALIGNED);
  return __libc_memalign(align, size);
}
void* aligned_alloc(size_t align, size_t size) {
  count(K_ALIGNED);
  return __libc_memalign(align, size);
}
int posix_memalign(void** out, size_t align, size_t size) {
  if (align < sizeof(void*) || (align & (align - 1)) != 0) return EINVAL;
  count(K_ALIGNED);
  void* p = __libc_memalign(align, size);
  if (!p && size) return ENOMEM;
  *out = p;
  return 0;
}
void* valloc(size_t size) {
  count(K_ALIGNED);
  return __libc_memalign((size_t)sysconf(_SC_PAGESIZE), size);
}
void* pvalloc(size_t size) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  count(K_ALIGNED);
  return __libc_memalign(page, (size + page - 1) / page * page);
}

/* ---- the report, async-signal-safe -------------------------------------------------------- */

struct buf {
  char b[512];
  size_t len;
};
static void put_str(struct buf* o, const char* s) {
  while (*s && o->len < sizeof o->b) o->b[o->len++] = *s++;
}
static void put_num(struct buf* o, unsigned long v) {
  char tmp[24];
  int i = 0;
  do {
    tmp[i++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (i > 0 && o->len < sizeof o->b) o->b[o->len++] = tmp[--i];
}
static void flush(struct buf* o) {
  size_t off = 0;
  while (off < o->len) {
    ssize_t w = write(STDERR_FILENO, o->b + off, o->len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    off += (size_t)w;
  }
  o->len = 0;
}
static void put_counts(struct buf* o, const unsigned long* n) {
  for (int k = 0; k < K_COUNT; k++) {
    put_str(o, " ");
    put_str(o, kind_names[k]);
    put_str(o, " ");
    put_num(o, n[k]);
  }
}

static void on_usr2(int sig) {
  (void)sig;
  int saved = errno;
  struct buf o = {.len = 0};
  unsigned long seq = __atomic_add_fetch(&snapshots, 1, __ATOMIC_RELAXED);
  unsigned long total[K_COUNT] = {0};
  put_str(&o, "alloc_count: snapshot ");
  put_num(&o, seq);
  put_str(&o, " pid ");
  put_num(&o, (unsigned long)getpid());
  put_str(&o, "\n");
  flush(&o);
  for (int i = 0; i <= SLOTS; i++) {
    int tid = __atomic_load_n(&slots[i].tid, __ATOMIC_ACQUIRE);
    unsigned long n[K_COUNT];
    unsigned long any = 0;
    for (int k = 0; k < K_COUNT; k++) {
      n[k] = __atomic_load_n(&slots[i].n[k], __ATOMIC_RELAXED);
      total[k] += n[k];
      any |= n[k];
    }
    if (tid == 0 && !any) continue;
    put_str(&o, "alloc_count: thread ");
    put_num(&o, (unsigned long)tid);
    put_counts(&o, n);
    put_str(&o, "\n");
    flush(&o);
  }
  put_str(&o, "alloc_count: total");
  put_counts(&o, total);
  put_str(&o, " allocs ");
  put_num(&o, total[K_MALLOC] + total[K_CALLOC] + total[K_REALLOC] + total[K_ALIGNED]);
  put_str(&o, "\nalloc_count: end ");
  put_num(&o, seq);
  put_str(&o, "\n");
  flush(&o);
  errno = saved;
}

__attribute__((constructor)) static void alloc_count_init(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr2;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR2, &sa, NULL);
}
