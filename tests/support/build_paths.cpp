#include "support/build_paths.h"

namespace winhttp::test {

const char* test_support_dir() { return WINHTTP_TEST_SUPPORT_DIR; }
const char* binary_dir() { return WINHTTP_BINARY_DIR; }
const char* pac_worker_path() { return WINHTTP_PAC_WORKER_PATH; }

}  // namespace winhttp::test
