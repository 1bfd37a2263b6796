//! Hono's `cors()` middleware (npm `hono` 4.13.23, `src/middleware/cors/index.ts`, shipped as
//! `dist/middleware/cors/index.js`; github honojs/hono), installed with `app.use([path,] cors(opts))`.
//!
//! What `index.ts` does, read from its code and checked on the wire by the ground truth:
//! - `origin` defaults to `'*'`, sent as `*`. Any other string is compared with `===` and the
//!   request's origin is sent back only when equal (not sent as written, unlike Express `cors`);
//!   an array is compared with `.includes` (exact); a function returns the value to send (at run
//!   time). There is no RegExp and no `true`: any other value (a RegExp, a boolean, an object)
//!   makes `cors()` call `.includes` on it, a `TypeError` on every request (a 500).
//! - `credentials: true` adds `Access-Control-Allow-Credentials: true` to whatever is sent, also
//!   to `*` (CORS101 as written).
//! - Every OPTIONS request that reaches it is answered 204 (no check of
//!   `Access-Control-Request-Method`), with `Access-Control-Allow-Methods` (default `GET, HEAD,
//!   PUT, POST, DELETE, PATCH, QUERY` joined with `,`) and `Access-Control-Allow-Headers`:
//!   `allowHeaders` joined, or, when it is empty (the default), the requested headers reflected.
//!   `maxAge` is sent when set; `exposeHeaders` on every response when non-empty.
//! - `Vary: Origin` is appended unless `origin` is `'*'` (on the preflight, and after the handler
//!   on other responses); `Vary: Access-Control-Request-Headers` when it sends allowed headers.
//! - List options must be arrays: a string `allowHeaders`/`exposeHeaders` has a `length` but no
//!   `join`, so `cors(...)` throws at start-up; a string `allowMethods` sends no
//!   `Access-Control-Allow-Methods`.
//! - Handlers and middleware run in registration order (`compose`): a route registered before
//!   `app.use(cors())` answers its actual requests without CORS headers while `cors()` still
//!   answers their preflights (CORS208), and an authentication middleware registered before it
//!   answers the preflight (CORS201).

use super::Advice;
use super::node_cors::NodeCors;
use crate::model::app::{ArgShape, CorsArg};

pub static HONO_CORS: NodeCors = NodeCors {
    name: "Hono `cors()`",
    sender: "Hono's `cors()`",
    component: "`cors()`",
    app_kind: "Hono",
    methods: "allowMethods",
    headers: "allowHeaders",
    expose_headers: "exposeHeaders",
    origin_regex: origin_function,
    echoes_every_origin: "the `origin` function of Hono's `cors()` returns the request's `Origin`, so it answers every \
                          request with its own `Origin` in `Access-Control-Allow-Origin`",
    takes_regexp: false,
    compares: "using `.includes`",
    star_entry_allows_nothing: true,
    wrong_type,
    outer_raise: "Hono's error handler answers it with a 500",
    register_before_routes: Some(
        "register `app.use(cors(...))` before the routes, right after `new Hono()` (Hono runs middleware and handlers \
         in the order they are registered)",
    ),
    move_outermost: "register `app.use(cors(...))` before the authentication middleware (Hono runs middleware in the \
                     order `app.use` registers it)",
    pass_preflights: "`if (c.req.method === \"OPTIONS\") return next();`",
};

/// No RegExp option: an origin function tests the request's origin.
fn origin_function(body: &str) -> String {
    format!("origin: (origin) => (/^{body}$/.test(origin) ? origin : null)")
}

/// `origin` other than a string, an array or a function: `.includes` is not a function on
/// every request. `allowHeaders`/`exposeHeaders` as a string: `.join` is not a function when
/// `cors(...)` is called.
fn wrong_type(arg: &CorsArg) -> Option<Advice> {
    let string = matches!(arg.shape, ArgShape::Str(_) | ArgShape::EnvStr);
    match arg.name.as_str() {
        "origin" if matches!(arg.shape, ArgShape::Bool(_) | ArgShape::Number | ArgShape::Other) => Some(Advice {
            message: "Hono's `cors()` takes a string, an array of strings or a function as `origin`; for this \
                      value it calls `origin.includes(...)`, a `TypeError` on every request, so every response \
                      is a 500"
                .to_owned(),
            help: "list the origins, e.g. origin: [\"https://app.example.com\"], or test them in a function: \
                   origin: (origin) => (/^https:\\/\\/app\\.example\\.com$/.test(origin) ? origin : null)"
                .to_owned(),
        }),
        "allowHeaders" | "exposeHeaders" if string => Some(Advice {
            message: format!(
                "Hono's `cors()` calls `{}.join(\",\")` on this string, which has no `join`: `cors(...)` throws a \
                 `TypeError` and the app does not start",
                arg.name
            ),
            help: format!("write an array, e.g. {}: [\"Content-Type\", \"Authorization\"]", arg.name),
        }),
        "allowMethods" if string => Some(Advice {
            message: "Hono's `cors()` sends `Access-Control-Allow-Methods` only for an array or a function: with \
                      a string it sends none, so every preflight for a method other than GET, HEAD or POST fails"
                .to_owned(),
            help: "write an array, e.g. allowMethods: [\"GET\", \"POST\", \"PUT\", \"DELETE\"]".to_owned(),
        }),
        _ => None,
    }
}
