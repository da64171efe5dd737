// `fimon setup`: installs the index template (and the ILM policy where the cluster has ILM) in
// Elasticsearch and, with --kibana-url, imports the dashboard into Kibana. Idempotent: PUT
// replaces what an earlier setup installed, and the import overwrites objects with fixed ids.
#include <iostream>

#include "app/agent_context.hpp"
#include "app/verbs.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "kibana/dashboard_bundle.hpp"
#include "kibana/saved_objects_import.hpp"
#include "sinks/elasticsearch/client.hpp"
#include "sinks/elasticsearch/index_template.hpp"

namespace fimon {
namespace {

bool install_index_template(const Config& c) {
  auto client = ElasticsearchClient::create(c.es_urls, http_options(c));
  if (!client) {
    log::error("setup: ", client.error().message());
    return false;
  }
  auto info = (*client)->probe();
  if (!info) {
    log::error("setup: ", info.error().message());
    return false;
  }
  const bool data_stream = c.index_mode == "data_stream";
  const bool ilm = info->has_ilm && data_stream;
  if (ilm) {
    if (auto s = (*client)->put_json(std::string("/_ilm/policy/") + kIlmPolicyName, build_ilm_policy()); !s) {
      log::error("setup: ILM policy: ", s.error().message());
      return false;
    }
  }
  const std::string body = build_index_template(TemplateOptions{data_stream, ilm, kFimonVersion});
  if (auto s = (*client)->put_json(std::string("/_index_template/") + template_name(data_stream), body); !s) {
    log::error("setup: index template: ", s.error().message());
    return false;
  }
  std::cout << "fimon setup: Elasticsearch " << info->version << ": index template '"
            << template_name(data_stream) << "' for " << index_pattern(data_stream) << " ("
            << (data_stream ? "data stream" : "plain index") << " mode)";
  if (ilm) std::cout << ", ILM policy '" << kIlmPolicyName << "'";
  std::cout << " installed\n";
  if (!info->has_ilm)
    std::cout << "fimon setup: this cluster has no ILM: retention is not managed by fimon\n";
  return true;
}

void print_manual_import_steps() {
  std::cout << "fimon setup: to import the dashboard by hand: `fimon export-dashboard > "
            << kDashboardFileName
            << "`, then in Kibana: Stack Management > Saved objects > Import, choose the file, "
               "\"Automatically overwrite conflicts\"\n";
}

bool import_dashboard(const Config& c) {
  // Elasticsearch's credentials (Kibana checks users against the same cluster), but not its TLS
  // trust: Kibana often has a certificate from another CA, and es-tls-verify/es-ca-fingerprint are
  // about Elasticsearch. Kibana's certificate is always verified.
  platform::HttpOptions options = http_options(c);
  options.ca_file = c.kibana_ca_file;  // empty: the system trust store
  options.pinned_sha256.clear();
  options.verify_tls = true;
  auto http = platform::make_http_client(options);
  if (!http) {
    log::error("setup: kibana: ", http.error().message());
    return false;
  }
  auto report =
      import_saved_objects(**http, c.kibana_url, c.kibana_space, kDashboardFileName, dashboard_ndjson());
  if (!report) {
    log::error("setup: kibana: ", report.error().message());
    print_manual_import_steps();
    return false;
  }
  for (const auto& e : report->errors) log::error("setup: kibana: not imported: ", e);
  const std::string where = c.kibana_space.empty() ? "the default space" : "space '" + c.kibana_space + "'";
  std::cout << "fimon setup: Kibana at " << url_without_credentials(c.kibana_url) << ": " << report->imported
            << " saved objects imported into " << where;
  if (!report->success) {
    std::cout << ", " << report->errors.size() << " failed\n";
    print_manual_import_steps();
    return false;
  }
  std::cout << " (dashboard \"fimon \u2014 File activity\")\n";
  return true;
}

}  // namespace

int run_setup(const Config& c) {
  const bool elasticsearch_ok = install_index_template(c);
  bool kibana_ok = true;
  if (!c.kibana_url.empty()) {
    kibana_ok = import_dashboard(c);
  } else {
    print_manual_import_steps();
  }
  return elasticsearch_ok && kibana_ok ? 0 : 1;
}

int run_export_dashboard() {
  std::cout << dashboard_ndjson();
  return std::cout.good() ? 0 : 1;
}

}  // namespace fimon
