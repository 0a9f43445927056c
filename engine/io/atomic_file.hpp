// Crash-safe file replacement: write to a temporary file in the same folder,
// flush it to disk, then rename it over the target. A reader sees either the
// old file or the whole new one, never a part; likewise for folders.
//
// Temporaries are named `<target>.tmp.<process id>`; what a killed writer
// left is recognised by its process having ended.
#pragma once

#include <filesystem>
#include <string_view>

namespace vkgan {

void write_file_atomic(const std::filesystem::path& path, std::string_view data);

// `path` with this process's temporary suffix, `.tmp.<pid>`.
std::filesystem::path temporary_path(const std::filesystem::path& path);

// Flushes the finished temporary `tmp` to disk, renames it over `path`, and
// flushes the folder entry. A folder replaces a folder whole: the old one's
// files go with it. On failure `tmp` is removed and an Error names the step
// and the reason.
void commit_temporary(const std::filesystem::path& tmp, const std::filesystem::path& path);

// Removes the files and folders in `dir` named `*.tmp.<pid>` whose process
// has ended: the temporaries of killed writers. A running writer's are kept.
// For folders vkgan owns (a run folder).
void remove_dead_temporaries(const std::filesystem::path& dir);

// The same for the temporaries of one output, `target.tmp.<pid>` and the
// `target.old.tmp.<pid>` of a folder being replaced: in a user's folder,
// nothing else is touched.
void remove_dead_temporaries_of(const std::filesystem::path& target);

}  // namespace vkgan
