//! The `cors` middleware of Express (npm `cors` 2.8.5, lib/index.js), which NestJS's
//! `app.enableCors(opts)` and `NestFactory.create(M, { cors: opts })` install on its Express
//! adapter; semantics.md section 4.
//!
//! `origin` defaults to `*`, sent as `*`. A string is sent as written whatever the request's
//! `Origin` (the browser compares it); `true` reflects every origin; a `RegExp` is `.test()`ed
//! (an unanchored search); an array compares strings with `===` and tests RegExps; a function
//! decides at run time; `false` turns the middleware off. `credentials: true` adds
//! `Access-Control-Allow-Credentials: true` to whatever the origin setting sends. Without
//! `allowedHeaders` the preflight reflects `Access-Control-Request-Headers`. Every OPTIONS request
//! is answered 204 (`optionsSuccessStatus`) unless `preflightContinue`; nothing is refused: the
//! preflight simply leaves out what is not allowed.

use super::node_cors::{NodeCors, any_type_is_used, regexp_entry};

pub static EXPRESS_CORS: NodeCors = NodeCors {
    name: "Express `cors`",
    sender: "the `cors` middleware",
    component: "`cors()`",
    app_kind: "Express",
    methods: "methods",
    headers: "allowedHeaders",
    expose_headers: "exposedHeaders",
    origin_regex: regexp_entry,
    echoes_every_origin: "the `cors` middleware is given `origin: true`, so it answers every request with its own \
                          `Origin` in `Access-Control-Allow-Origin`",
    takes_regexp: true,
    compares: "using `===`",
    star_entry_allows_nothing: true,
    // Strings and arrays are both accepted for every list option; an origin of another type is
    // truthy (reflect) or falsy (off), which the origin entries already say.
    wrong_type: any_type_is_used,
    outer_raise: "Express's error handler answers it with a 500",
    register_before_routes: Some(
        "register `app.use(cors(...))` before the routes, right after the app is created (Express runs middleware \
         and routes in the order they are registered)",
    ),
    move_outermost: "register `app.use(cors(...))` before the authentication middleware (Express runs middleware in \
                     the order `app.use` registers it)",
    pass_preflights: "`if (req.method === \"OPTIONS\") return next();`",
};
