#include "router/nginx_render.h"

#include <algorithm>
#include <tuple>

#include "core/text.h"

namespace quarry {

namespace {

std::string listen_spec(const RouterConfig& c, int port) {
  auto p = std::to_string(port);
  return c.listen_address.empty() ? p : c.listen_address + ":" + p;
}

std::string marker_headers(const Route* route, const std::string& generation) {
  std::string out;
  if (route) out += "    add_header X-Quarry-Route \"" + route->stack + "/" + route->node + "\" always;\n";
  out += "    add_header X-Quarry-Config \"" + generation + "\" always;\n";
  return out;
}

std::string main_conf(const RouterConfig& c) {
  std::string out =
      "# Rendered by quarry, which owns this directory and rewrites it on every apply.\n"
      "# Run as: nginx -p PREFIX/ -e PREFIX/logs/error.log -c PREFIX/live/nginx.conf\n";
  if (!c.user.empty()) out += "user " + c.user + ";\n";
  out +=
      "worker_processes auto;\n"
      "pid run/nginx.pid;\n"
      "error_log logs/error.log warn;\n"
      "\n"
      "events {\n"
      "    worker_connections 1024;\n"
      "}\n"
      "\n"
      "http {\n"
      "    access_log logs/access.log;\n"
      "    client_body_temp_path tmp/client_body;\n"
      "    proxy_temp_path tmp/proxy;\n"
      "    fastcgi_temp_path tmp/fastcgi;\n"
      "    uwsgi_temp_path tmp/uwsgi;\n"
      "    scgi_temp_path tmp/scgi;\n"
      "    server_tokens off;\n"
      "    server_names_hash_bucket_size 128;\n"
      "    keepalive_timeout 65s;\n"
      "    client_max_body_size " + std::to_string(c.max_body_mb) + "m;\n"
      "\n"
      "    map $http_upgrade $connection_upgrade {\n"
      "        default upgrade;\n"
      "        '' close;\n"
      "    }\n"
      "\n"
      "    proxy_http_version 1.1;\n"
      "    proxy_set_header Host $host;\n"
      "    proxy_set_header X-Real-IP $remote_addr;\n"
      "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
      "    proxy_set_header X-Forwarded-Proto $scheme;\n"
      "    proxy_set_header Upgrade $http_upgrade;\n"
      "    proxy_set_header Connection $connection_upgrade;\n"
      "    proxy_connect_timeout " + std::to_string(c.connect_timeout_s) + "s;\n"
      "    proxy_read_timeout 300s;\n"
      "    proxy_send_timeout 300s;\n"
      "    proxy_next_upstream error timeout;\n"
      "    proxy_next_upstream_tries 3;\n"
      "\n"
      "    include conf.d/*.conf;\n"
      "}\n";
  return out;
}

std::string default_conf(const RouterConfig& c, const std::string& generation) {
  std::string out =
      "# Rendered by quarry: hosts no route names get 404.\n"
      "server {\n"
      "    listen " + listen_spec(c, c.listen_port) + " default_server;\n"
      "    server_name _;\n" +
      marker_headers(nullptr, generation) +
      "    return 404;\n"
      "}\n";
  if (!c.tls.empty()) {
    out +=
        "\n"
        "server {\n"
        "    listen " + listen_spec(c, c.tls_port) + " ssl default_server;\n"
        "    server_name _;\n"
        "    ssl_reject_handshake on;\n"
        "}\n";
  }
  return out;
}

std::string upstream_block(const Route& r) {
  auto name = upstream_name(r);
  if (r.upstreams.empty()) return "";
  auto ups = r.upstreams;
  std::sort(ups.begin(), ups.end(), [](const Upstream& a, const Upstream& b) {
    return std::tie(a.address, a.port, a.weight) < std::tie(b.address, b.port, b.weight);
  });
  std::string out = "upstream " + name + " {\n    zone " + name + " 64k;\n";
  for (const auto& u : ups)
    out += "    server " + u.address + ":" + std::to_string(u.port) + " weight=" + std::to_string(u.weight) + ";\n";
  return out + "}\n\n";
}

std::string proxy_location(const Route& r) {
  if (r.upstreams.empty()) return "    location / {\n        return 503;\n    }\n";
  return "    location / {\n        proxy_pass http://" + upstream_name(r) + ";\n    }\n";
}

std::string server_block(const RouterConfig& c, const Route& r, const std::string& domain,
                         const std::string& generation) {
  auto tls = c.tls.find(domain);
  bool redirect = tls != c.tls.end() && c.https_redirect;
  std::string out = "server {\n    listen " + listen_spec(c, c.listen_port) + ";\n    server_name " + domain +
                    ";\n" + marker_headers(&r, generation);
  if (redirect) {
    auto port = c.tls_port == 443 ? std::string() : ":" + std::to_string(c.tls_port);
    out += "    location / {\n        return 301 https://$host" + port + "$request_uri;\n    }\n";
  } else {
    out += proxy_location(r);
  }
  out += "}\n";
  if (tls == c.tls.end()) return out;
  out += "\nserver {\n    listen " + listen_spec(c, c.tls_port) + " ssl;\n    server_name " + domain + ";\n" +
         "    ssl_certificate " + tls->second.certificate + ";\n" +
         "    ssl_certificate_key " + tls->second.key + ";\n" + marker_headers(&r, generation) +
         proxy_location(r) + "}\n";
  return out;
}

std::string route_conf(const RouterConfig& c, const Route& r, const std::string& generation) {
  std::string out = "# Rendered by quarry: stack " + r.stack + ", node " + r.node + ".\n" + upstream_block(r);
  auto domains = r.domains;
  std::sort(domains.begin(), domains.end());
  for (std::size_t i = 0; i < domains.size(); ++i) {
    if (i) out += "\n";
    out += server_block(c, r, domains[i], generation);
  }
  return out;
}

std::map<std::string, std::string> render_files(const RouterConfig& c, const std::string& generation) {
  std::map<std::string, std::string> files;
  files["nginx.conf"] = main_conf(c);
  files["conf.d/00-default.conf"] = default_conf(c, generation);
  for (const auto& r : c.routes) files["conf.d/" + upstream_name(r) + ".conf"] = route_conf(c, r, generation);
  return files;
}

}  // namespace

Result<RenderedConfig> render_nginx(const RouterConfig& config) {
  if (auto s = validate(config); !s) return fail(s.error().context("router config"));
  std::string digest_input;
  for (const auto& [name, content] : render_files(config, "")) {
    digest_input += name;
    digest_input += '\0';
    digest_input += content;
    digest_input += '\0';
  }
  RenderedConfig out;
  out.generation = sha256_hex(digest_input).substr(0, 12);
  out.files = render_files(config, out.generation);
  return out;
}

}  // namespace quarry
