#include "grid/grid_picture.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace quarry {

namespace {

constexpr std::size_t kColumn = 24;  // characters per block column
constexpr std::size_t kGap = 2;

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string memory(std::int64_t mb) { return mb < 1024 ? std::to_string(mb) + "M" : fixed1(double(mb) / 1024) + "G"; }
std::string cores(std::int64_t millis) { return fixed1(double(millis) / 1000); }

int percent(std::int64_t used, std::int64_t total) {
  return total > 0 ? int((used * 100 + total / 2) / total) : 0;
}

std::string fit(std::string s, std::size_t width) {
  if (s.size() <= width) return s;
  if (width <= 3) return s.substr(0, width);
  return s.substr(0, width - 3) + "...";
}

std::string bar_line(const char* label, std::int64_t used, std::int64_t total) {
  constexpr std::size_t kBar = kColumn - 12;  // "mem [" + bar + "] " + "100%"
  std::size_t filled = total > 0 ? std::size_t((used * std::int64_t(kBar) + total - 1) / total) : 0;
  filled = std::min(filled, kBar);
  char pct[8];
  std::snprintf(pct, sizeof pct, "%4d%%", percent(used, total));
  return std::string(label) + " [" + std::string(filled, '#') + std::string(kBar - filled, '.') + "]" + pct;
}

std::string slice_line(const Slice& s) {
  auto size = memory(s.size.memory_mb);
  auto name = fit(s.id, kColumn - 2 - size.size());
  std::string line(1, s.is_service ? '*' : ' ');
  line.append(name);
  return line + std::string(kColumn - line.size() - size.size(), ' ') + size;
}

std::string tags_text(const Tags& tags) {
  std::string out;
  for (const auto& [k, v] : tags) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

std::vector<std::string> column(const BlockState& bs, std::size_t max_slices) {
  const auto& b = bs.block;
  auto head = b.id;
  if (!b.tags.empty()) head.append(" ").append(tags_text(b.tags));
  std::vector<std::string> lines{fit(head, kColumn), bar_line("mem", b.used.memory_mb, b.capacity.memory_mb),
                                 bar_line("cpu", b.used.cpu_millis, b.capacity.cpu_millis),
                                 fit(memory(b.used.memory_mb) + "/" + memory(b.capacity.memory_mb) + " " +
                                         cores(b.used.cpu_millis) + "/" + cores(b.capacity.cpu_millis) + " cpu",
                                     kColumn)};
  std::size_t shown = std::min(bs.slices.size(), max_slices);
  for (std::size_t i = 0; i < shown; ++i) lines.push_back(slice_line(bs.slices[i]));
  if (shown < bs.slices.size()) lines.push_back(std::string(" +").append(std::to_string(bs.slices.size() - shown)).append(" more"));
  return lines;
}

std::string rstrip(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// "label: a, b, c" wrapped at `width`, continuation lines indented.
void wrap_list(std::string& out, const std::string& label, const std::vector<std::string>& items, std::size_t width) {
  std::string line = label + ":";
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto item = fit(items[i] + (i + 1 < items.size() ? "," : ""), width - 4);
    if (line.size() + 1 + item.size() > width) {
      out += line + "\n";
      line = "   ";
    }
    line += " " + item;
  }
  out += line + "\n";
}

// The totals: one line when it fits, else counts and usage on two.
std::string summary(const GridState& state, std::size_t width) {
  Resources used, capacity;
  std::size_t placed = 0;
  for (const auto& bs : state.blocks) {
    used += bs.block.used;
    capacity += bs.block.capacity;
    placed += bs.slices.size();
  }
  auto count = [](std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  auto counts = "grid: " + count(state.blocks.size(), "block", "blocks") + ", " + count(placed, "slice", "slices") +
                ", " + std::to_string(state.pending.size()) + " pending";
  auto usage = "memory " + memory(used.memory_mb) + "/" + memory(capacity.memory_mb) + " " +
               std::to_string(percent(used.memory_mb, capacity.memory_mb)) + "%, cpu " + cores(used.cpu_millis) +
               "/" + cores(capacity.cpu_millis) + " " + std::to_string(percent(used.cpu_millis, capacity.cpu_millis)) +
               "%";
  if (counts.size() + 2 + usage.size() <= width) return counts + "; " + usage + "\n";
  return fit(counts, width) + "\n" + fit(usage, width) + "\n";
}

}  // namespace

std::string render_grid_picture(const GridState& state, const PictureOptions& options) {
  std::size_t width = std::max<std::size_t>(options.width, kColumn);
  std::size_t per_row = std::max<std::size_t>(1, (width + kGap) / (kColumn + kGap));
  std::string out = summary(state, width);
  bool services = false;
  for (std::size_t first = 0; first < state.blocks.size(); first += per_row) {
    std::size_t last = std::min(state.blocks.size(), first + per_row);
    std::vector<std::vector<std::string>> columns;
    std::size_t height = 0;
    for (std::size_t i = first; i < last; ++i) {
      columns.push_back(column(state.blocks[i], options.max_slices));
      height = std::max(height, columns.back().size());
      for (const auto& s : state.blocks[i].slices) services = services || s.is_service;
    }
    out += "\n";
    for (std::size_t row = 0; row < height; ++row) {
      std::string line;
      for (std::size_t c = 0; c < columns.size(); ++c) {
        std::string cell = row < columns[c].size() ? columns[c][row] : "";
        if (c + 1 < columns.size()) cell += std::string(kColumn + kGap - cell.size(), ' ');
        line += cell;
      }
      out += rstrip(line) + "\n";
    }
  }
  if (services) out += "\n* service\n";
  if (!state.pending.empty()) {
    std::vector<std::string> items;
    for (const auto& s : state.pending) {
      auto item = s.id + " " + memory(s.size.memory_mb) + "/" + cores(s.size.cpu_millis);
      if (!s.required_tags.empty()) item += " " + tags_text(s.required_tags);
      items.push_back(item);
    }
    out += "\n";
    wrap_list(out, "pending (" + std::to_string(state.pending.size()) + ")", items, width);
  }
  if (!state.creating.empty()) {
    std::vector<std::string> items;
    for (const auto& r : state.creating) {
      auto item = "#" + std::to_string(r.id) + " " + memory(r.size.memory_mb) + "/" + cores(r.size.cpu_millis);
      if (!r.tags.empty()) item += " " + tags_text(r.tags);
      items.push_back(item);
    }
    wrap_list(out, "creating", items, width);
  }
  for (const auto& e : state.errors) out += fit("error: " + e, width) + "\n";
  return out;
}

}  // namespace quarry
