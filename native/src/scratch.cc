#include "scratch.h"

namespace hyperio {

thread_local ScratchPool<char16_t> units_pool;

}  // namespace hyperio
