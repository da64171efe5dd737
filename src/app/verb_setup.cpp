// `fimon setup`: installs the index template (and the ILM policy where the cluster has ILM).
// Idempotent: PUT replaces what an earlier setup installed.
#include <iostream>

#include "app/agent_context.hpp"
#include "app/verbs.hpp"
#include "core/log.hpp"
#include "sinks/elasticsearch/client.hpp"
#include "sinks/elasticsearch/index_template.hpp"

namespace fimon {

int run_setup(const Config& c) {
  auto client = ElasticsearchClient::create(c.es_urls, http_options(c));
  if (!client) {
    log::error("setup: ", client.error().message());
    return 1;
  }
  auto info = (*client)->probe();
  if (!info) {
    log::error("setup: ", info.error().message());
    return 1;
  }
  const bool data_stream = c.index_mode == "data_stream";
  const bool ilm = info->has_ilm && data_stream;
  if (ilm) {
    if (auto s = (*client)->put_json(std::string("/_ilm/policy/") + kIlmPolicyName, build_ilm_policy()); !s) {
      log::error("setup: ILM policy: ", s.error().message());
      return 1;
    }
  }
  const std::string body = build_index_template(TemplateOptions{data_stream, ilm, kFimonVersion});
  if (auto s = (*client)->put_json(std::string("/_index_template/") + template_name(data_stream), body); !s) {
    log::error("setup: index template: ", s.error().message());
    return 1;
  }
  std::cout << "fimon setup: Elasticsearch " << info->version << ": index template '"
            << template_name(data_stream) << "' for " << index_pattern(data_stream) << " ("
            << (data_stream ? "data stream" : "plain index") << " mode)";
  if (ilm) std::cout << ", ILM policy '" << kIlmPolicyName << "'";
  std::cout << " installed\n";
  if (!info->has_ilm)
    std::cout << "fimon setup: this cluster has no ILM: retention is not managed by fimon\n";
  return 0;
}

}  // namespace fimon
