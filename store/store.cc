#include "store/store.h"

#include "core/text.h"

namespace quarry {

Status check_key(std::string_view key) {
  if (key.empty()) return fail("store: empty key", ErrorKind::Usage);
  if (key.front() == '/') return fail("store: key must be relative: " + std::string(key), ErrorKind::Usage);
  if (key.find('\0') != std::string_view::npos) return fail("store: key holds NUL", ErrorKind::Usage);
  if (key.size() > 1024) return fail("store: key longer than 1024 bytes", ErrorKind::Usage);
  for (const auto& part : split(key, '/')) {
    if (part.empty() || part == "." || part == "..") {
      return fail("store: invalid key: " + std::string(key), ErrorKind::Usage);
    }
  }
  return {};
}

Result<std::int64_t> Store::revision(std::string_view key) {
  auto v = get_versioned(key);
  if (!v) return std::unexpected(v.error());
  return v->revision;
}

Status check_value(std::string_view key, std::size_t size) {
  if (size <= kMaxStoreValue) return {};
  return fail("store: value of " + std::string(key) + " is " + std::to_string(size) + " bytes, over the " +
              std::to_string(kMaxStoreValue) +
              "-byte limit of a stored value (etcd refuses large requests); large files such as sources "
              "and images stay on the HQ's disk");
}

Status check_txn(const Txn& txn) {
  for (const auto& c : txn.compares) {
    if (auto s = check_key(c.key); !s) return s;
  }
  for (const auto& op : txn.ops) {
    if (auto s = check_key(op.key); !s) return s;
    if (op.kind == TxnOp::Kind::Put) {
      if (auto s = check_value(op.key, op.value.size()); !s) return s;
    }
  }
  return {};
}

}  // namespace quarry
