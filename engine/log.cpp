// Reads VKGAN_DEBUG once.
#include "engine/log.hpp"

#include <cstdlib>

namespace vkgan {

int log_level() {
  static const int level = [] {
    const char* v = std::getenv("VKGAN_DEBUG");
    return v ? std::atoi(v) : 0;
  }();
  return level;
}

}  // namespace vkgan
