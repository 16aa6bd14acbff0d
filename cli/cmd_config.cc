// quarry config put|rm|ls: files kept on every server under
// /etc/quarry/files (a local server: its own directory), written atomically
// with their mode, given to new servers before they run containers, and
// repaired by the control loop. The generated hosts file sits beside them.
#include <sys/stat.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cluster.h"
#include "cli/command.h"
#include "cli/network_keep.h"
#include "cli/table.h"
#include "core/file_io.h"
#include "core/text.h"
#include "launcher/config_store.h"

namespace quarry {

namespace {

struct ConfigArgs {
  std::string path;
  std::string file;
  std::string mode;
};

Result<unsigned> parse_mode(const std::string& text, const std::string& file) {
  if (text.empty()) {
    struct stat st{};
    if (stat(file.c_str(), &st) != 0) return fail(file + ": cannot read it");
    return static_cast<unsigned>(st.st_mode & 0777);
  }
  if (text.size() > 4 || text.find_first_not_of("01234567") != std::string::npos)
    return fail("--mode " + text + ": expected an octal mode such as 0640", ErrorKind::Usage);
  return static_cast<unsigned>(std::stoul(text, nullptr, 8));
}

Status report_sync(Cluster& cluster) {
  auto changed = cluster.network().keep_files();
  if (!changed) return std::unexpected(changed.error().context("the file is stored; the control loop retries"));
  std::cout << "written to " << changed->size() << " server(s)\n";
  return {};
}

Status put(Context& ctx, const ConfigArgs& a) {
  auto mode = parse_mode(a.mode, a.file);
  if (!mode) return std::unexpected(mode.error());
  struct stat st{};
  if (stat(a.file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return fail(a.file + ": not a regular file");
  if (static_cast<std::size_t>(st.st_size) > kMaxConfigFileBytes) return fail(a.file + ": larger than 1 MiB");
  auto content = read_file(a.file);
  if (!content) return std::unexpected(content.error());
  if (auto s = put_config_file(ctx.store(), a.path, *content, *mode); !s) return s;
  Cluster cluster(ctx);
  return report_sync(cluster);
}

Status rm(Context& ctx, const ConfigArgs& a) {
  if (auto s = remove_config_file(ctx.store(), a.path); !s) return s;
  Cluster cluster(ctx);
  return report_sync(cluster);
}

Status ls(Context& ctx) {
  Cluster cluster(ctx);
  auto& net = cluster.network();
  auto desired = net.desired_files();
  if (!desired) return std::unexpected(desired.error());
  auto reports = net.files_status();
  if (!reports) return std::unexpected(reports.error());
  if (ctx.options().json) {
    nlohmann::json j = {{"files", nlohmann::json::array()}, {"servers", nlohmann::json::array()}};
    for (const auto& [path, e] : *desired)
      j["files"].push_back({{"path", path}, {"mode", format_mode(e.mode)}, {"bytes", e.content.size()},
                            {"sha256", sha256_hex(e.content)}, {"generated", path == kHostsFile}});
    for (const auto& r : *reports)
      j["servers"].push_back({{"server", r.server}, {"ok", r.ok()}, {"write", r.drift.write},
                              {"remove", r.drift.remove}, {"error", r.error}});
    std::cout << j.dump(2) << "\n";
    return {};
  }
  Table files({"PATH", "MODE", "BYTES", "SHA256"});
  for (const auto& [path, e] : *desired)
    files.add({path + (path == kHostsFile ? " (generated)" : ""), format_mode(e.mode), std::to_string(e.content.size()),
               sha256_hex(e.content).substr(0, 12)});
  std::cout << files.render() << "\n";
  Table servers({"SERVER", "STATUS"});
  for (const auto& r : *reports) {
    std::string status = !r.error.empty() ? r.error
                         : r.ok()         ? "in sync"
                                          : "differs: " + join(r.drift.write, ",") +
                                                (r.drift.remove.empty() ? "" : " extra: " + join(r.drift.remove, ","));
    servers.add({r.server, status});
  }
  std::cout << servers.render();
  return {};
}

}  // namespace

void register_config_commands(Registry& r) {
  auto* config = r.app().add_subcommand("config", "Files replicated to every server (/etc/quarry/files)");
  auto a = std::make_shared<ConfigArgs>();
  auto* p = r.add(*config, "put", "Store a file and write it to every server", [a](Context& c) { return put(c, *a); });
  p->add_option("path", a->path, "Path under /etc/quarry/files, e.g. app/feature-flags.json")->required();
  p->add_option("file", a->file, "The local file to copy")->required();
  p->add_option("--mode", a->mode, "Octal mode on the servers (default: the local file's)");
  auto* del = r.add(*config, "rm", "Remove a file from the store and every server", [a](Context& c) { return rm(c, *a); });
  del->add_option("path", a->path, "Path under /etc/quarry/files")->required();
  auto* list = r.add(*config, "ls", "List the files and whether every server has them", [](Context& c) { return ls(c); });
  r.json_flag(list);
}

}  // namespace quarry
