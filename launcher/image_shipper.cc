#include "launcher/image_shipper.h"

#include "core/process_stream.h"
#include "core/text.h"
#include "core/subprocess.h"
#include "launcher/docker_commands.h"
#include "launcher/image_relay.h"

namespace quarry {

std::mutex& ImageShipper::lock_for(const std::string& key) {
  std::lock_guard lock(mu_);
  auto& m = locks_[key];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

// One round trip in the common case: the server is asked about the image id
// (content), never the tag alone, since tags are per release and an
// unchanged image gets a new tag on every push. When the id is there under
// other tags only, it is tagged on the server instead of shipped again.
Result<bool> ImageShipper::has_image(const Endpoint& server, const BuiltImage& image) {
  Command c;
  c.argv = {"docker", "image", "inspect", "--format", "{{json .RepoTags}}", image.id};
  c.timeout = std::chrono::seconds(30);
  auto r = servers_.run(server, c);
  if (!r) return std::unexpected(r.error());
  if (!r->ok()) return false;
  if (image.tag.empty() || image.tag == image.id) return true;
  if (r->out.find("\"" + image.tag + "\"") != std::string::npos) return true;
  Command tag;
  tag.argv = {"docker", "tag", image.id, image.tag};
  tag.timeout = std::chrono::seconds(30);
  auto tagged = run_ok(servers_, server, tag);
  if (!tagged) return std::unexpected(tagged.error().context("tag " + image.tag + " on " + server.name));
  return true;
}

bool ImageShipper::engine_has(const BuiltImage& image) const {
  ProcessOptions o;
  o.env = engine_env_;
  o.timeout = std::chrono::seconds(30);
  auto r = run_process({"docker", "image", "inspect", "--format", "{{.Id}}", image.id}, o);
  return r && r->ok();
}

Status ImageShipper::ship_from_engine(const Endpoint& server, const BuiltImage& image) {
  auto save = ProcessStream::start({"docker", "save", image.tag}, engine_env_);
  if (!save) return std::unexpected(save.error());
  Command load;
  load.argv = docker_load();
  load.timeout = std::chrono::minutes(20);
  auto* stream = save->get();
  load.stdin_source = [stream](char* buf, std::size_t len) { return stream->read(buf, len); };
  auto r = run_ok(servers_, server, load);
  auto saved = (*save)->finish();
  if (!saved) return std::unexpected(saved.error().context("ship " + image.tag + " to " + server.name));
  if (!r) return std::unexpected(r.error().context("ship " + image.tag));
  return {};
}

Status ImageShipper::ship_from_holder(const Endpoint& server, const BuiltImage& image) {
  auto holders = holders_();
  if (!holders) return std::unexpected(holders.error());
  std::string tried;
  for (const auto& h : *holders) {
    if (h.name == server.name) continue;
    auto has = server_has_image(servers_, h, image.id);
    if (!has) {
      tried += " " + h.name + " (unreachable)";
      continue;
    }
    if (!*has) continue;
    return relay_image(servers_, h, server, image.id);
  }
  return fail_remote("image " + image.tag + " (" + image.id + ") is neither on this HQ's engine nor on any server" +
                     (tried.empty() ? std::string() : ";" + tried) +
                     ": push the stack again to rebuild it (docs/store.md: several HQs)");
}

Result<bool> ImageShipper::ensure(const Endpoint& server, const BuiltImage& image) {
  std::lock_guard lock(lock_for(server.name + " " + image.id));
  auto has = has_image(server, image);
  if (!has) return std::unexpected(has.error());
  if (*has) return false;
  bool from_engine = !holders_ || engine_has(image);
  auto shipped = from_engine ? ship_from_engine(server, image) : ship_from_holder(server, image);
  if (!shipped) return std::unexpected(shipped.error());
  auto after = has_image(server, image);
  if (!after) return std::unexpected(after.error());
  if (!*after) return fail_remote(server.name + ": image " + image.tag + " is not there after docker load");
  return true;
}

}  // namespace quarry
