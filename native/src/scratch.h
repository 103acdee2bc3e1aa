// Per-thread scratch vectors reused across calls, so a hot function does not allocate per
// call (the addon may run in several worker threads, hence thread_local pools).
//
// A nested call on the same thread (possible only if JS runs inside a call, e.g. an index
// getter on an array argument) gets a private vector instead of the busy pool. A vector grown
// past kMaxKeptScratchBytes is released afterwards, so one huge input does not pin memory for
// the thread's life; below it (a 1 MB polling body needs 2 MiB of UTF-16) it is kept, since
// re-allocating it per call costs more than the work it holds.
#pragma once
#include <cstddef>
#include <vector>

namespace hyperio {

constexpr size_t kMaxKeptScratchBytes = 4u << 20;

template <typename T>
struct ScratchPool {
  std::vector<T> v;
  bool in_use = false;
};

template <typename T>
class Scratch {
 public:
  explicit Scratch(ScratchPool<T>* pool) : pool_(pool->in_use ? nullptr : pool) {
    if (pool_ != nullptr) pool_->in_use = true;
  }
  ~Scratch() {
    if (pool_ == nullptr) return;
    if (pool_->v.capacity() * sizeof(T) > kMaxKeptScratchBytes) std::vector<T>().swap(pool_->v);
    pool_->in_use = false;
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::vector<T>& get() { return pool_ != nullptr ? pool_->v : own_; }

 private:
  ScratchPool<T>* pool_;
  std::vector<T> own_;
};

// The pool of UTF-16 units shared by every function that copies a string out of V8 or
// transcodes into one (one pool per thread: the functions never nest on a thread except
// through JS, which Scratch handles).
extern thread_local ScratchPool<char16_t> units_pool;

}  // namespace hyperio
