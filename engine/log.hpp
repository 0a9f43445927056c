// Logging: four levels behind one variable, VKGAN_DEBUG=0..3.
//
//   level | shows
//   0     | nothing from the library (the default; the CLI prints its own)
//   1     | device choice, program summaries (dispatches, planned memory)
//   2     | per-program detail: schedule, memory plan, pipeline creation
//   3     | per-dispatch tracing (compiled in only with -DVKGAN_TRACE)
#pragma once

#include <fmt/format.h>

namespace vkgan {

int log_level();

template <typename... Args>
void log_at(int level, fmt::format_string<Args...> f, Args&&... args) {
  if (log_level() >= level)
    fmt::print(stderr, "vkgan[{}] {}\n", level, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace vkgan

#define VKGAN_LOG(level, ...) ::vkgan::log_at(level, __VA_ARGS__)
#ifdef VKGAN_TRACE
#define VKGAN_TRACE_LOG(...) ::vkgan::log_at(3, __VA_ARGS__)
#else
#define VKGAN_TRACE_LOG(...) ((void)0)
#endif
