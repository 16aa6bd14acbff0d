#include "launcher/hq_images.h"

#include "core/text.h"

namespace quarry {

namespace {

const Endpoint kHqEngine{"hq", "localhost", 0, ""};

}  // namespace

Argv docker_engine_images() {
  return {"docker", "image", "ls", "--no-trunc", "--format",
          "{{.Repository}}:{{.Tag}}\t{{.ID}}\t{{.Size}}\t{{.CreatedSince}}"};
}

std::vector<EngineImage> parse_engine_images(const std::string& out) {
  std::vector<EngineImage> list;
  for (const auto& line : split_lines(out)) {
    auto cells = split(line, '\t');
    if (cells.size() != 4 || cells[0].find(':') == std::string::npos || !starts_with(cells[1], "sha256:")) continue;
    list.push_back({trim(cells[0]), trim(cells[1]), trim(cells[2]), trim(cells[3])});
  }
  return list;
}

Argv docker_load_file(const std::string& path) { return {"docker", "load", "--input", path}; }

std::vector<std::string> parse_loaded(const std::string& out) {
  std::vector<std::string> names;
  for (const auto& line : split_lines(out)) {
    auto t = trim(line);
    for (std::string_view prefix : {"Loaded image ID: ", "Loaded image: "}) {
      if (starts_with(t, prefix)) {
        names.push_back(trim(t.substr(prefix.size())));
        break;
      }
    }
  }
  return names;
}

Result<std::vector<std::string>> HqImages::load(const std::string& path) {
  Command c;
  c.argv = docker_load_file(path);
  c.timeout = std::chrono::minutes(30);
  auto r = engine_.run(kHqEngine, c);
  if (!r) return std::unexpected(r.error());
  if (!r->ok()) {
    return fail(path + " could not be loaded into the HQ build engine: " + last_line(r->err + "\n" + r->out) +
                " (it must be a tarball written by `docker save IMAGE`)");
  }
  auto names = parse_loaded(r->out);
  if (names.empty()) return fail(path + ": docker load reported no image (" + last_line(r->out) + ")");
  return names;
}

Result<std::vector<EngineImage>> HqImages::list() {
  Command c;
  c.argv = docker_engine_images();
  c.timeout = std::chrono::seconds(60);
  auto r = run_ok(engine_, kHqEngine, c);
  if (!r) return std::unexpected(r.error().context("list the HQ build engine's images"));
  return parse_engine_images(r->out);
}

}  // namespace quarry
