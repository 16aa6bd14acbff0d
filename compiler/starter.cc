#include "compiler/starter.h"

namespace quarry {

std::string starter_manifest(std::string_view name) {
  std::string out = "# quarry.yml: what this repository runs. Reference: docs/manifest.md\n"
                    "name: ";
  out += name;
  out += R"(

# Env for every container of the stack. ${VAR} takes a value from the
# global env ($QUARRY_HOME/etc/env) or an entry above it here; $$ is a $.
env:
  APP_ENV: production

# Services run for a long time and are kept across pushes. Each one's
# address reaches every node as NAME_HOST, NAME_PORT and NAME_ADDR.
# services:
#   db:
#     image: postgres:15
#     port: 5432
#     memory: 512M
#     volumes: [/var/lib/postgresql/data]
#     env: {POSTGRES_PASSWORD: change-me}

# Nodes are replaced on every push.
nodes:
  web:
    build: .                  # a directory of the repository with a Dockerfile
    port: 8080                # the port the container listens on
    memory: 256M
    scale: 1
    health: /                 # or {path: /up, timeout: 5s, interval: 1s, retries: 10}
    # command: ./server --port 8080
    # domains: [app.example.com]
    # depends_on: [db]
)";
  return out;
}

}  // namespace quarry
