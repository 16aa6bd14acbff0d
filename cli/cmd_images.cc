// images load|ls: base images on the HQ build engine, which has no registry
// to pull from (docs/images.md).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/table.h"
#include "core/log.h"
#include "core/text.h"
#include "launcher/hq_engine.h"
#include "launcher/hq_images.h"
#include "launcher/local_shell.h"

namespace quarry {

namespace {

// Copies stdin into a new file in $TMPDIR (docker load reads a file); at
// most kMaxImageTarBytes. Returns its path; the caller removes it.
Result<std::string> spool_stdin() {
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/quarry-image-XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) return fail_remote("cannot create a file for the image in " + path.substr(0, path.rfind('/')));
  std::uint64_t total = 0;
  char buf[1 << 16];
  ssize_t n;
  while ((n = read(STDIN_FILENO, buf, sizeof buf)) > 0) {
    total += static_cast<std::uint64_t>(n);
    if (total > kMaxImageTarBytes || write(fd, buf, static_cast<std::size_t>(n)) != n) {
      close(fd);
      unlink(path.c_str());
      return total > kMaxImageTarBytes ? fail("the image on stdin is larger than 32 GiB; nothing was loaded")
                                       : fail_remote("could not write " + path + " (disk full?)");
    }
  }
  close(fd);
  if (n < 0 || total == 0) {
    unlink(path.c_str());
    return fail("nothing on stdin: pipe a tarball in, like `docker save postgres:15 | quarry images load -`",
                ErrorKind::Usage);
  }
  return path;
}

Status images_load(Context& ctx, const std::string& file) {
  std::string path = file;
  if (file != "-") {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return fail(file + ": no such file (write one with `docker save IMAGE -o " + file + "`)");
    }
    if (static_cast<std::uint64_t>(st.st_size) > kMaxImageTarBytes) {
      return fail(file + " is larger than 32 GiB; nothing was loaded");
    }
  }
  auto env = HqEngine(ctx.home() + "/engine").ensure();
  if (!env) return std::unexpected(env.error());
  if (file == "-") {
    auto spooled = spool_stdin();
    if (!spooled) return std::unexpected(spooled.error());
    path = *spooled;
  }
  LocalShell engine(*env);
  Step step("load " + (file == "-" ? std::string("stdin") : file) + " into the HQ build engine");
  auto names = HqImages(engine).load(path);
  if (file == "-") unlink(path.c_str());
  if (!names) {
    step.failed(names.error().message);
    return std::unexpected(names.error());
  }
  step.done(join(*names, ", "));
  for (const auto& n : *names) std::cout << n << "\n";
  return {};
}

Status images_ls(Context& ctx) {
  auto env = HqEngine(ctx.home() + "/engine").ensure();
  if (!env) return std::unexpected(env.error());
  LocalShell engine(*env);
  auto list = HqImages(engine).list();
  if (!list) return std::unexpected(list.error());
  if (ctx.options().json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& i : *list)
      arr.push_back({{"image", i.ref}, {"id", i.id}, {"size", i.size}, {"created", i.created}});
    std::cout << arr.dump(2) << "\n";
    return {};
  }
  if (list->empty()) {
    std::cout << "no images on the HQ build engine (bring one with `docker save IMAGE | quarry images load -`)\n";
    return {};
  }
  Table table({"IMAGE", "ID", "SIZE", "CREATED"});
  for (const auto& i : *list) table.add({i.ref, i.id.substr(0, 19), i.size, i.created});
  std::cout << table.render();
  return {};
}

}  // namespace

void register_images_commands(Registry& r) {
  auto* images = r.app().add_subcommand("images", "Base images on the HQ build engine (there is no registry to pull from)");
  images->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto* load = r.add(*images, "load", "Load a `docker save` tarball (FILE, or - for stdin) into the HQ build engine",
                     [file](Context& ctx) { return images_load(ctx, *file); });
  load->add_option("file", *file, "The tarball, or - to read it from stdin")->required();
  auto* ls = r.add(*images, "ls", "List the images on the HQ build engine", [](Context& ctx) { return images_ls(ctx); });
  r.json_flag(ls);
}

}  // namespace quarry
