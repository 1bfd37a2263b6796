//! The `@fastify/cors` plugin of fastify (npm `@fastify/cors` 11.4.3, `index.js` and `vary.js`;
//! github fastify/fastify-cors), installed with `fastify.register(cors, opts)`, and by NestJS's
//! `app.enableCors(opts)` on its `FastifyAdapter` (which registers the same plugin).
//!
//! What `index.js` does, read from its code and checked on the wire by the ground truth:
//! - `origin` defaults to `'*'`. A string is sent as written whatever the request's `Origin`
//!   (`getAccessControlAllowOriginHeader`: "fixed or any origin"); `true` reflects every origin
//!   (`isRequestOriginAllowed` returns `!!true`); a `RegExp` is `.test()`ed (an unanchored search);
//!   an array compares strings with `===` and tests RegExps, and an array holding `'*'` sends `*`
//!   (`normalizeCorsOptions`); a function decides at run time; `false` turns the plugin off (its
//!   `OPTIONS *` route then answers 404). Any other falsy value is an error on every request.
//! - `credentials: true` adds `Access-Control-Allow-Credentials: true` to whatever the origin
//!   setting sends, also to `*` (CORS101 as written, like Express `cors`).
//! - `Vary: Origin` is added unless the origin option is a string; `Vary:
//!   Access-Control-Request-Headers` when `allowedHeaders` is unset.
//! - The plugin adds a hook (`hook`, default `onRequest`) to the root instance (`fastify-plugin`)
//!   and an `OPTIONS *` route. The hook answers an OPTIONS request when `preflight` is true (the
//!   default): with `strictPreflight` (the default) a request without `Origin` or
//!   `Access-Control-Request-Method` gets `400 Invalid Preflight Request`; otherwise the preflight
//!   headers and `optionsSuccessStatus` (204), unless `preflightContinue`. With `preflight: false`
//!   the `OPTIONS *` route answers 404. `hideOptionsRoute` only hides that route from the schema.
//! - `methods` defaults to `'GET,HEAD,POST'` (since 11.0; 10.x sent every common method): a PUT,
//!   PATCH or DELETE preflight fails with the defaults. Without `allowedHeaders` the preflight
//!   reflects `Access-Control-Request-Headers`. `exposedHeaders` and `maxAge` are sent when set
//!   (no default `Access-Control-Max-Age`).
//! - Hooks and `register` take effect in the order they are written (both are queued by avvio),
//!   so an `onRequest` hook added before the plugin sees the preflight first (CORS201); routes get
//!   the hook whatever their order (no CORS208).

use super::node_cors::{NodeCors, any_type_is_used, regexp_entry};

pub static FASTIFY_CORS: NodeCors = NodeCors {
    name: "fastify `@fastify/cors`",
    sender: "`@fastify/cors`",
    component: "`@fastify/cors`",
    app_kind: "fastify",
    methods: "methods",
    headers: "allowedHeaders",
    expose_headers: "exposedHeaders",
    origin_regex: regexp_entry,
    echoes_every_origin: "`@fastify/cors` is given `origin: true`, so it answers every request with its own `Origin` \
                          in `Access-Control-Allow-Origin`",
    takes_regexp: true,
    compares: "using `===`",
    // An array holding `'*'` sends `*` (`normalizeCorsOptions`).
    star_entry_allows_nothing: false,
    wrong_type: any_type_is_used,
    outer_raise: "fastify's error handler answers it with a 500",
    // Routes get the hook whatever their order.
    register_before_routes: None,
    move_outermost: "register `@fastify/cors` before adding the authentication hook (fastify runs `onRequest` hooks \
                     in the order `register` and `addHook` are written)",
    pass_preflights: "`if (request.method === \"OPTIONS\") return;` at the start of the hook",
};
