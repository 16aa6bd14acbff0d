// What every command receives: the parsed global options and the store.
// cli/ is the composition root: real implementations (DirStore, the SSH
// shell, cloud providers) are built here and nowhere else.
#pragma once

#include <memory>
#include <string>

#include "core/error.h"
#include "store/dir_store.h"

namespace quarry {

struct GlobalOptions {
  std::string home;     // --home, else $QUARRY_HOME, else /home/quarry
  std::string store;    // --store URL, else $QUARRY_STORE, else HOME/store.url, else dir:HOME (docs/store.md)
  bool json = false;    // --json on listing commands
  bool verbose = false;
  bool quiet = false;
};

class Context {
 public:
  // Opens the store options.store names (a DirStore on `home` when empty).
  // A bad URL is a Usage error.
  static Result<Context> open(GlobalOptions options);
  explicit Context(GlobalOptions options);
  const GlobalOptions& options() const { return options_; }
  const std::string& home() const { return options_.home; }
  // The store every command reads and writes (the override when one is set).
  Store& store() { return override_ ? *override_ : *store_; }
  // The store the options name, whatever the override.
  Store& shared_store() { return *store_; }
  // From now on store() is `store` (hq serve: the shared store fenced on its
  // leadership term). Not owned; must outlive the commands' use.
  void use_store(Store* store) { override_ = store; }

 private:
  GlobalOptions options_;
  std::unique_ptr<Store> store_;
  Store* override_ = nullptr;
};

// In the home of an HQ set up with `hq init --store URL`: that URL. Used
// when neither --store nor $QUARRY_STORE is given.
inline constexpr std::string_view kStoreUrlFile = "store.url";

// The default home: $QUARRY_HOME, else /home/quarry.
std::string default_home();
// The default store URL: $QUARRY_STORE, else empty (dir:HOME).
std::string default_store();

}  // namespace quarry
