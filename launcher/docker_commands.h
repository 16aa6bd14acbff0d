// Docker commands as data: pure builders from an instruction and a placement
// to argv. Nothing here runs anything; a RemoteShell runs the argv, and
// shell_join quotes every word exactly once on the way. The argv work with
// the docker 20.10 and 28.x clients.
//
// Secrets never reach a command line (where `ps` on the server would show
// them): a container's env goes into a file written with mode 0600
// (write_private_file, content on stdin) and is passed as --env-file.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/instruction.h"
#include "core/error.h"
#include "core/quote.h"

namespace quarry {

// The labels on every container quarry runs; `docker ps` filters by them.
inline constexpr std::string_view kLabelStack = "quarry.stack";
inline constexpr std::string_view kLabelNode = "quarry.node";  // the process name (service or node)
inline constexpr std::string_view kLabelRelease = "quarry.release";
inline constexpr std::string_view kLabelIndex = "quarry.index";
inline constexpr std::string_view kLabelKind = "quarry.kind";  // "service" or "node"

// Where and how one container of a process runs: what the grid and the
// executor decided for an ENSURE or DEPLOY instruction.
struct ContainerPlacement {
  int release = 0;                // the release number (ReleaseRecord::number), > 0
  int index = 1;                  // replica number, 1-based (1 for a service)
  int memory_mb = 0;              // the slice's memory; 0: no limit
  double cpu = 0.0;               // the slice's cores; 0: no limit
  std::string image;              // image to run; empty: the process's image
  std::string env_file;           // server path of the uploaded env file; empty: none
  int host_port = 0;              // host port published for the process port; 0: none
  std::string bind_address;       // address the published port binds to; empty: all
  std::string network;            // docker network to join; empty: docker's default
  std::vector<std::string> network_aliases;  // names on that network
  // Volume names to use instead of volume_name(), by container path: the
  // volumes a service's earlier container mounted under legacy names.
  std::map<std::string, std::string> volume_names;
  std::vector<std::string> extra_hosts;      // "NAME:ADDRESS" entries for the container's /etc/hosts
  std::string files_mount;                   // server directory mounted read-only at /etc/quarry; empty: none
};

// Names join stack and process with kNameSeparator (core/names.h), which
// neither can contain, so two (stack, process) pairs never share a name.
// Containers are still acted on by id or by their labels, never by a name
// prefix: a name is for people reading `docker ps`.

// The container's name: "STACK_SERVICE" for a service (one, kept across
// releases), "STACK_NODE_rRELEASE_INDEX" for a node ("blog_web_r7_1").
std::string container_name(const Instruction& instruction, const ContainerPlacement& placement);

// The named volume holding `path` of a service: "STACK_SERVICE_" followed by
// the path with every run of characters outside [a-z0-9] turned into '-'
// ("/var/lib/data" gives "blog_db_var-lib-data").
std::string volume_name(std::string_view stack, std::string_view service, std::string_view path);

// The name of a volume made before names were joined with kNameSeparator
// ("STACK-SERVICE-var-lib-data"): ambiguous, so it is only reused when the
// stack's own labelled container mounts it (see container_ops.h).
std::string legacy_volume_name(std::string_view stack, std::string_view service, std::string_view path);

// The tag of an image quarry builds for a process: "quarry/STACK_PROCESS:rRELEASE".
std::string image_tag(std::string_view stack, std::string_view process, std::string_view release);

// `docker run --detach` for an ENSURE or DEPLOY instruction: name, labels,
// --env-file, --memory, --cpus, --publish, --restart unless-stopped, --init
// (unless init: false), --stop-signal and --stop-timeout when set, named
// volumes (services only), network, image, then the command's words as
// split_command (compiler/command_words.h) splits them; an empty command
// runs the image's own. Fails (kind User) on: another op, no image, a
// release number below 1 or replica number below 1, a name longer than a
// DNS label, volumes on a node, a volume path that is not absolute or holds
// ':', two volume paths mapping to one name, a command split_command refuses.
Result<Argv> docker_run(const Instruction& instruction, const ContainerPlacement& placement);

// `docker stop -t SECONDS NAME`: the container's stop signal, then SIGKILL
// after the grace time. A negative grace leaves -t out: the container's own
// --stop-timeout (the manifest's stop_timeout) applies.
Argv docker_stop(const std::string& name, std::chrono::seconds grace = std::chrono::seconds(10));
// `docker rm [--force] NAME`.
Argv docker_rm(const std::string& name, bool force = false);
// `docker ps --all --no-trunc`, one filter per label, one JSON object a line
// (parse with parse_docker_ps).
Argv docker_ps(const std::map<std::string, std::string>& labels);
// `docker inspect` printing the container's volume mounts, one
// "VOLUME DESTINATION" a line (parse with parse_mounts).
Argv docker_mounts(const std::string& container);
// Reads what docker_mounts printed: destination path -> volume name.
std::map<std::string, std::string> parse_mounts(const std::string& out);

// `docker inspect --type container NAME...` (parse with parse_docker_inspect).
Argv docker_inspect(const std::vector<std::string>& names);

struct LogsOptions {
  bool follow = false;
  int tail = -1;            // lines from the end; -1: all
  bool timestamps = false;
  std::string since;        // docker's --since value; empty: from the start
};
Argv docker_logs(const std::string& name, const LogsOptions& options = {});

// `docker image inspect IMAGE` (parse with parse_image_inspect).
Argv docker_image_inspect(const std::string& image);
// `docker load --quiet`: the image tarball comes on stdin.
Argv docker_load();
// `docker network create --driver bridge --label K=V... NAME`.
Argv docker_network_create(const std::string& name, const std::map<std::string, std::string>& labels = {});
Argv docker_network_rm(const std::string& name);
// `docker volume ls`, filtered by label, one JSON object a line.
Argv docker_volume_ls(const std::map<std::string, std::string>& labels = {});
Argv docker_volume_rm(const std::string& name);

// The content of a docker --env-file: "KEY=VALUE" lines, sorted by key,
// values byte for byte (docker strips nothing from a value and expands
// nothing). That format cannot carry a line break inside a value, so a
// value holding '\n', '\r' or NUL is refused (kind User, naming the key);
// so is a value that is not UTF-8 (docker refuses the file) and a key that
// is not [A-Za-z_][A-Za-z0-9_]*. Multi-line secrets belong in a file.
Result<std::string> render_env_file(const std::map<std::string, std::string>& env);

// Writes stdin to `path` on the server with mode 0600, atomically (a
// temporary file beside it, then rename), creating the parent directory
// with mode 0700 when missing. The path is passed as a positional argument
// of `sh -c`, never spliced into the script.
Argv write_private_file(const std::string& path);

// A container start in one remote command: writes stdin to `env_file`
// (mode 0600; its directory made with mode 0700 when missing), runs `run`
// (the docker_run argv); only when docker says the name is already in use
// (a container left by an interrupted run) removes that container and runs
// again. Then removes the env file whatever the run did, passes on the
// run's stderr and exits with its status. The path, the name and every word of `run`
// are positional arguments of `sh -c`, never spliced into the script. When
// the env file cannot be written nothing runs and the exit status is
// kEnvFileFailed.
inline constexpr int kEnvFileFailed = 96;
Argv start_with_env_file(const std::string& env_file, const std::string& name, const Argv& run);

}  // namespace quarry
