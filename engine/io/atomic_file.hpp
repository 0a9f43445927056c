// Crash-safe file replacement: write to a temporary file in the same folder,
// flush it to disk, then rename it over the target. A reader sees either the
// old file or the whole new one, never a part.
#pragma once

#include <filesystem>
#include <string_view>

namespace vkgan {

void write_file_atomic(const std::filesystem::path& path, std::string_view data);

}  // namespace vkgan
