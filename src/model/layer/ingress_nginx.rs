//! ingress-nginx `enable-cors` and the `cors-*` annotations, semantics.md section 5.

use super::{Advice, Field, LayerSpec};
use crate::analysis::origin::LiteralContext;
use crate::model::CorsPolicy;

pub struct IngressNginx;

impl LayerSpec for IngressNginx {
    fn name(&self) -> &'static str {
        "ingress-nginx"
    }

    fn literal_context(&self) -> LiteralContext {
        LiteralContext::INGRESS_NGINX
    }

    fn write_setting(&self, field: Field, values: &[&str]) -> String {
        let key = match field {
            Field::Origins => "cors-allow-origin",
            Field::Methods => "cors-allow-methods",
            Field::Headers => "cors-allow-headers",
            Field::ExposeHeaders => "cors-expose-headers",
            Field::MaxAge => "cors-max-age",
        };
        format!("nginx.ingress.kubernetes.io/{key}: \"{}\"", values.join(", "))
    }

    /// Its origins are globs (`https://*.example.com`), never regexes.
    fn write_origin_regex(&self, _regex: &str) -> Option<String> {
        None
    }

    fn every_origin_with_credentials(&self, _policy: &CorsPolicy) -> Advice {
        Advice {
            message: super::proxy_sends_star_with_credentials(self.name()),
            help: format!(
                "list the origins of your frontends, e.g. {}, or set \
                 nginx.ingress.kubernetes.io/cors-allow-credentials: \"false\" if no request needs cookies",
                self.write_setting(Field::Origins, &["https://app.example.com"])
            ),
        }
    }

    fn echoes_every_origin(&self) -> String {
        "ingress-nginx's origin check `if ($http_origin ~* (...)$)` matches every origin here (an empty or dropped \
         entry leaves an empty alternative), and it echoes the origin in `Access-Control-Allow-Origin`"
            .to_owned()
    }

    fn allowlist_help(&self) -> String {
        format!(
            "list each origin with its scheme and no empty entry, e.g. {}",
            self.write_setting(Field::Origins, &["https://app.example.com"])
        )
    }
}
