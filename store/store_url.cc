#include "store/store_url.h"

#include "core/text.h"
#include "store/dir_leadership.h"
#include "store/dir_store.h"
#include "store/etcd_leadership.h"
#include "store/etcd_store.h"

namespace quarry {

Result<std::unique_ptr<Store>> open_store(std::string_view url) {
  if (starts_with(url, "dir:")) {
    auto path = std::string(url.substr(4));
    if (path.empty() || path.front() != '/')
      return fail("store URL: dir: needs an absolute path, as in dir:/home/quarry", ErrorKind::Usage);
    return std::unique_ptr<Store>(std::make_unique<DirStore>(path));
  }
  if (starts_with(url, "etcd://")) {
    auto options = parse_etcd_url(url);
    if (!options) return std::unexpected(options.error());
    return std::unique_ptr<Store>(std::make_unique<EtcdStore>(std::move(*options)));
  }
  return fail("store URL '" + std::string(url) +
                  "': expected dir:PATH or etcd://HOST:PORT[,HOST:PORT...] (see docs/store.md)",
              ErrorKind::Usage);
}

Result<std::unique_ptr<Leadership>> make_leadership(Store& store, std::chrono::seconds ttl,
                                                    std::function<std::int64_t()> now) {
  if (auto* etcd = dynamic_cast<EtcdStore*>(&store))
    return std::unique_ptr<Leadership>(std::make_unique<EtcdLeadership>(*etcd, ttl, std::move(now)));
  if (auto* dir = dynamic_cast<DirStore*>(&store))
    return std::unique_ptr<Leadership>(std::make_unique<DirLeadership>(*dir, std::move(now)));
  return fail("leadership needs a dir: or etcd:// store, not " + store.url(), ErrorKind::Usage);
}

}  // namespace quarry
