// Paths of the source and build trees the tests run from.
#pragma once

namespace winhttp::test {

// Only build_paths.cpp is compiled with these paths, so every other test file compiles to the
// same object in every build tree and ccache reuses it (CI's plain and short-I/O trees, the
// helpers' worktrees): docs/design/ci.md.
const char* test_support_dir();  // tests/support in the source tree
const char* binary_dir();        // the CMake build tree
const char* pac_worker_path();   // the winhttp-pac-worker built there

}  // namespace winhttp::test
