#include "control/observer.h"

#include <charconv>
#include <cstring>
#include <optional>

#include "launcher/container_ops.h"
#include "launcher/docker_commands.h"
#include "launcher/docker_parse.h"
#include "launcher/parallel.h"

namespace quarry {

namespace {
int number_label(const std::map<std::string, std::string>& labels, std::string_view key) {
  auto it = labels.find(std::string(key));
  if (it == labels.end()) return 0;
  int n = 0;
  std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
  return n;
}
}  // namespace

Argv observe_command() {
  Argv argv = docker_ps({});
  // Every container carrying the stack label, whatever its value.
  argv.insert(argv.begin() + 4, {"--filter", "label=" + std::string(kLabelStack)});
  return argv;
}

namespace {

// One JSON string from `p` (just past its opening quote) to its closing
// quote, unescaped into `out` when set. False on what docker never prints
// there (a surrogate pair, a bad escape, a control character or no end):
// the general parser then reads the output.
bool scan_string(const char*& p, const char* end, std::string* out) {
  if (out) out->clear();
  while (p < end) {
    const char* run = p;
    while (p < end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) ++p;
    if (out) out->append(run, p);
    if (p >= end || static_cast<unsigned char>(*p) < 0x20) return false;
    if (*p == '"') {
      ++p;
      return true;
    }
    if (++p >= end) return false;
    char e = *p++;
    char c = 0;
    switch (e) {
      case '"': c = '"'; break;
      case '\\': c = '\\'; break;
      case '/': c = '/'; break;
      case 'b': c = '\b'; break;
      case 'f': c = '\f'; break;
      case 'n': c = '\n'; break;
      case 'r': c = '\r'; break;
      case 't': c = '\t'; break;
      case 'u': {
        if (end - p < 4) return false;
        unsigned v = 0;
        for (int i = 0; i < 4; ++i, ++p) {
          char h = *p;
          int d = h >= '0' && h <= '9'   ? h - '0'
                  : h >= 'a' && h <= 'f' ? h - 'a' + 10
                  : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                         : -1;
          if (d < 0) return false;
          v = v * 16 + static_cast<unsigned>(d);
        }
        if (v >= 0xd800 && v <= 0xdfff) return false;
        if (!out) continue;
        if (v < 0x80) {
          out->push_back(static_cast<char>(v));
        } else if (v < 0x800) {
          out->push_back(static_cast<char>(0xc0 | (v >> 6)));
          out->push_back(static_cast<char>(0x80 | (v & 0x3f)));
        } else {
          out->push_back(static_cast<char>(0xe0 | (v >> 12)));
          out->push_back(static_cast<char>(0x80 | ((v >> 6) & 0x3f)));
          out->push_back(static_cast<char>(0x80 | (v & 0x3f)));
        }
        continue;
      }
      default: return false;
    }
    if (out) out->push_back(c);
  }
  return false;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A JSON string from `p` (just past its opening quote), viewed in place
// when it holds no escape (docker's keys never do, its labels seldom), else
// unescaped into `scratch`.
bool scan_view(const char*& p, const char* end, std::string_view& key, std::string& scratch) {
  const char* from = p;
  while (p < end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) ++p;
  if (p < end && *p == '"') {
    key = std::string_view(from, static_cast<std::size_t>(p - from));
    ++p;
    return true;
  }
  p = from;
  if (!scan_string(p, end, &scratch)) return false;
  key = scratch;
  return true;
}

// The members of one `docker ps --format '{{json .}}'` line that the
// observer reads.
struct PsLine {
  std::string id, names, state, status, ports;
  std::string_view labels;     // in the line, or in `labels_text` when it held escapes
  std::string labels_text;
};

// Reads one line that is a flat JSON object of string members (what docker
// prints), keeping the members PsLine names (the last of a repeated one).
// False on anything else: the general parser then reads the output.
bool scan_ps_line(std::string_view line, PsLine& out) {
  const char* p = line.data();
  const char* end = p + line.size();
  auto skip = [&] {
    while (p < end && is_space(*p)) ++p;
  };
  skip();
  if (p >= end || *p++ != '{') return false;
  skip();
  if (p < end && *p == '}') return ++p, skip(), p == end;
  std::string scratch;
  std::string_view key;
  while (true) {
    skip();
    if (p >= end || *p++ != '"' || !scan_view(p, end, key, scratch)) return false;
    skip();
    if (p >= end || *p++ != ':') return false;
    skip();
    if (p >= end || *p++ != '"') return false;
    if (key == "Labels") {
      if (!scan_view(p, end, out.labels, out.labels_text)) return false;
    } else {
      std::string* into = key == "ID" ? &out.id : key == "Names" ? &out.names : key == "State" ? &out.state
                        : key == "Status" ? &out.status : key == "Ports" ? &out.ports : nullptr;
      if (!scan_string(p, end, into)) return false;
    }
    skip();
    if (p >= end) return false;
    if (*p == ',') {
      ++p;
      continue;
    }
    if (*p++ != '}') return false;
    skip();
    return p == end;
  }
}

// The labels the observer reads, from docker ps's "k=v,k2=v2" (as
// ps_labels reads it: a piece without '=' continues the previous value).
struct QuarryLabels {
  std::string stack, node, release, index;
  std::string* slot(std::string_view key) {
    return key == kLabelStack ? &stack : key == kLabelNode ? &node : key == kLabelRelease ? &release
                                                                   : key == kLabelIndex ? &index : nullptr;
  }
};

QuarryLabels quarry_labels(std::string_view text) {
  QuarryLabels out;
  std::string* last = nullptr;
  bool any = false;  // a label was read (a piece before the first one is dropped)
  std::size_t start = 0;
  while (true) {
    auto comma = text.find(',', start);
    auto piece = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    auto eq = piece.find('=');
    if (eq == std::string_view::npos) {
      if (any && last) *last += "," + std::string(piece);
    } else {
      any = true;
      last = out.slot(piece.substr(0, eq));
      if (last) last->assign(piece.substr(eq + 1));
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

int number_of(const std::string& text) {
  int n = 0;
  std::from_chars(text.data(), text.data() + text.size(), n);
  return n;
}

// The quick path of observed_from_ps: nullopt when a line is not what it
// reads (the general parser then reads the whole output, errors included).
std::optional<std::vector<ObservedContainer>> quick_observed(const std::string& server, std::string_view output,
                                                             std::int64_t now_ms) {
  std::vector<ObservedContainer> out;
  std::size_t lines = 1;  // counted with memchr: std::count walks byte by byte
  for (const char *q = output.data(), *end = q + output.size();
       (q = static_cast<const char*>(std::memchr(q, '\n', static_cast<std::size_t>(end - q)))); ++q) {
    ++lines;
  }
  out.reserve(lines);
  PsLine line;
  std::size_t start = 0;
  while (start < output.size()) {
    auto nl = output.find('\n', start);
    auto text = output.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    start = nl == std::string_view::npos ? output.size() : nl + 1;
    auto b = text.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) continue;
    for (auto* f : {&line.id, &line.names, &line.state, &line.status, &line.ports}) f->clear();
    line.labels = {};
    if (!scan_ps_line(text.substr(b), line) || line.id.empty()) return std::nullopt;
    if (!line.ports.empty() && !parse_ps_ports(line.ports)) return std::nullopt;
    auto labels = quarry_labels(line.labels);
    if (labels.stack.empty()) continue;
    ObservedContainer o;
    o.server = server;
    o.name.assign(std::string_view(line.names).substr(0, line.names.find(',')));
    o.stack = std::move(labels.stack);
    o.node = std::move(labels.node);
    o.release = number_of(labels.release);
    o.index = number_of(labels.index);
    o.running = line.state == "running";
    o.state = std::move(line.state);
    o.status = std::move(line.status);
    o.last_seen_ms = now_ms;
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

Result<std::vector<ObservedContainer>> observed_from_ps(const std::string& server, const std::string& output,
                                                        std::int64_t now_ms) {
  // A pass reads every container of the cluster: docker's flat lines are
  // read directly (about 20x faster than a JSON document per line), and
  // anything else by the general parser.
  if (auto quick = quick_observed(server, output, now_ms)) return std::move(*quick);
  auto parsed = parse_docker_ps(output);
  if (!parsed) return std::unexpected(parsed.error().context(server));
  std::vector<ObservedContainer> out;
  for (const auto& c : *parsed) {
    ObservedContainer o;
    o.server = server;
    o.name = c.name;
    auto label = [&](std::string_view k) {
      auto it = c.labels.find(std::string(k));
      return it == c.labels.end() ? std::string() : it->second;
    };
    o.stack = label(kLabelStack);
    o.node = label(kLabelNode);
    o.release = number_label(c.labels, kLabelRelease);
    o.index = number_label(c.labels, kLabelIndex);
    o.state = c.state;
    o.status = c.status;
    o.running = c.running;
    o.last_seen_ms = now_ms;
    if (!o.stack.empty()) out.push_back(std::move(o));
  }
  return out;
}

std::map<std::string, ServerReport> observe_servers(RemoteShell& shell, const std::vector<ServerRecord>& servers,
                                                    std::chrono::milliseconds timeout, std::int64_t now_ms) {
  std::vector<ServerReport> reports(servers.size());
  parallel_for(servers.size(), 32, [&](std::size_t i) {
    Command c;
    c.argv = observe_command();
    c.timeout = timeout;
    auto r = run_ok(shell, endpoint_of(servers[i]), c);
    if (!r) {
      reports[i].error = r.error().message;
      return;
    }
    auto parsed = observed_from_ps(servers[i].id, r->out, now_ms);
    if (!parsed) {
      reports[i].error = parsed.error().message;
      return;
    }
    reports[i].answered = true;
    reports[i].containers = std::move(*parsed);
  });
  std::map<std::string, ServerReport> out;
  for (std::size_t i = 0; i < servers.size(); ++i) out[servers[i].id] = std::move(reports[i]);
  return out;
}

}  // namespace quarry
