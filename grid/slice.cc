#include "grid/slice.h"

#include <algorithm>

namespace quarry {

std::string_view Slice::node_key() const {
  std::string_view s = id;
  auto pos = s.rfind('/');
  return pos == std::string_view::npos ? s : s.substr(0, pos);
}

std::string slice_id(std::string_view stack, std::string_view node, int index) {
  std::string id;
  id.reserve(stack.size() + node.size() + 12);
  id.append(stack).append("/").append(node).append("/").append(std::to_string(index));
  return id;
}

Status validate_slice(const Slice& slice) {
  auto bad = [&](std::string why) { return fail("slice '" + slice.id + "': " + why); };
  std::string_view s = slice.id;
  auto first = s.find('/');
  auto last = s.rfind('/');
  if (first == std::string_view::npos || first == last)
    return bad("id must be stack/node/index");
  auto stack = s.substr(0, first);
  auto node = s.substr(first + 1, last - first - 1);
  auto index = s.substr(last + 1);
  if (stack.empty() || node.empty() || index.empty()) return bad("id must be stack/node/index");
  if (!std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return bad("index '" + std::string(index) + "' is not a number");
  if (slice.size.memory_mb <= 0) return bad("memory must be positive");
  if (slice.size.cpu_millis < 0) return bad("cpu must not be negative");
  return {};
}

}  // namespace quarry
