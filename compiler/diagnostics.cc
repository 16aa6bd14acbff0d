#include "compiler/diagnostics.h"

#include <algorithm>
#include <cstdio>

namespace quarry {

namespace {

std::string one_line(const std::string& message) {
  std::string out;
  out.reserve(message.size());
  for (unsigned char c : message) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

void Diagnostics::error(Position at, std::string message) {
  entries_.push_back(Entry{at, one_line(message)});
}

std::string Diagnostics::render() const {
  std::vector<Entry> sorted = entries_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Entry& a, const Entry& b) {
    if (a.at.line != b.at.line) return a.at.line < b.at.line;
    return a.at.column < b.at.column;
  });
  std::string out;
  for (const auto& e : sorted) {
    if (!out.empty()) out += '\n';
    out += path_ + ":" + std::to_string(e.at.line) + ":" + std::to_string(e.at.column) + ": " + e.message;
  }
  return out;
}

}  // namespace quarry
