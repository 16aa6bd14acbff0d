// The store contract (store_contract.h) against DirStore and MemoryStore.
// EtcdStore runs the same cases in tests/e2e/store.
#include <sys/wait.h>
#include <unistd.h>

#include "core/file_io.h"
#include "store/dir_store.h"
#include "tests/fakes/memory_store.h"
#include "tests/unit/store/store_contract.h"

using namespace quarry;
using quarry::contract::Backend;

namespace dir_backend {

struct Dirs {
  std::vector<std::string> made;
  ~Dirs() {
    for (const auto& d : made) (void)remove_all(d);
  }
};

Backend& backend() {
  static Dirs dirs;
  static Backend b{
      "dir",
      [] {
        dirs.made.push_back(make_temp_dir("quarry-contract").value());
        return std::unique_ptr<Store>(std::make_unique<DirStore>(dirs.made.back()));
      },
      [] { return std::unique_ptr<Store>(std::make_unique<DirStore>(dirs.made.back())); },
      [](Store&, const std::string& name) {
        pid_t child = fork();
        if (child == 0) {
          DirStore mine(dirs.made.back());
          auto held = mine.lock(name, "a holder that dies");
          _exit(held ? 0 : 1);  // dies holding it: no unlock runs
        }
        int status = 0;
        waitpid(child, &status, 0);
        BOOST_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
      },
      std::chrono::milliseconds(0)};
  return b;
}

BOOST_AUTO_TEST_SUITE(store_contract_dir)
QUARRY_STORE_CONTRACT()
BOOST_AUTO_TEST_SUITE_END()

}  // namespace dir_backend

namespace memory_backend {

Backend& backend() {
  static std::shared_ptr<MemoryStore> last;
  static Backend b{
      "memory",
      [] {
        last = std::make_shared<MemoryStore>();
        return std::unique_ptr<Store>(std::make_unique<StoreView>(*last));
      },
      [] { return std::unique_ptr<Store>(std::make_unique<StoreView>(*last)); },
      [](Store& s, const std::string& name) {
        auto held = s.lock(name, "a holder that dies");
        BOOST_REQUIRE(held.has_value());
        last->drop_lock_holder(name);
        held->unlock();  // the dropped holder's release frees nothing of the next one
      },
      std::chrono::milliseconds(0)};
  return b;
}

BOOST_AUTO_TEST_SUITE(store_contract_memory)
QUARRY_STORE_CONTRACT()
BOOST_AUTO_TEST_SUITE_END()

}  // namespace memory_backend
