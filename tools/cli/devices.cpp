// `vkgan devices`: every Vulkan device and the limits the engine relies on;
// fails when none of them can run vkgan (no compute queue).
#include <fmt/format.h>

#include "engine/vulkan/context.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"

namespace vkgan::cli {
namespace {

std::string version(uint32_t v) {
  return fmt::format("{}.{}.{}", VK_API_VERSION_MAJOR(v), VK_API_VERSION_MINOR(v),
                     VK_API_VERSION_PATCH(v));
}

void print_device(const DeviceInfo& d) {
  const DeviceLimits& l = d.limits;
  fmt::print("device {}: {}\n", d.index, d.name);
  fmt::print("  type {}, vendor {:#06x}, device {:#06x}\n", d.type, d.vendor_id, d.device_id);
  fmt::print("  driver {} (version {:#x}), Vulkan {}\n", d.driver.empty() ? "?" : d.driver,
             d.driver_version, version(d.api_version));
  fmt::print("  work groups: count {}x{}x{}, size {}x{}x{}, invocations {}\n",
             l.max_work_group_count[0], l.max_work_group_count[1], l.max_work_group_count[2],
             l.max_work_group_size[0], l.max_work_group_size[1], l.max_work_group_size[2],
             l.max_work_group_invocations);
  fmt::print("  shared memory {} KiB, subgroup size {}, push constants {} bytes\n",
             l.max_shared_memory / 1024, l.subgroup_size, l.max_push_constants);
  fmt::print("  storage buffer range {} MiB, offset alignment {}, atom size {}\n",
             l.max_storage_buffer_range >> 20, l.min_storage_buffer_offset_alignment,
             l.non_coherent_atom_size);
  fmt::print("  largest allocation {} MiB, timestamps {}{}\n", l.max_memory_allocation >> 20,
             l.timestamps ? "yes" : "no",
             l.timestamps ? fmt::format(" ({} ns/tick)", l.timestamp_period_ns) : "");
  fmt::print("  compute queue {}, push descriptors {}\n", d.compute ? "yes" : "none",
             d.push_descriptor ? "yes" : "no");
  for (size_t i = 0; i < d.heaps.size(); ++i)
    fmt::print("  heap {}: {} MiB{}\n", i, d.heaps[i].first >> 20,
               d.heaps[i].second ? ", device-local" : "");
}

}  // namespace

int cmd_devices(int argc, char** argv) {
  Args args("devices", "List every Vulkan device with the limits vkgan uses.");
  if (!args.parse(argc, argv)) return 0;
  auto devices = list_devices();
  if (devices.empty()) {
    fmt::print("no Vulkan devices; hint: apt-get install mesa-vulkan-drivers\n");
    return 1;
  }
  for (const auto& d : devices) print_device(d);
  require_compute(devices);
  return 0;
}

}  // namespace vkgan::cli
