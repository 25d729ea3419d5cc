//! The golden outputs of `naftiko-codegen`'s fixtures (`../fixtures/NAME/expected/`), compiled: a golden file that
//! does not build fails the workspace build, and so the suite. Regenerate them with `cargo xtask regen`. The shaped
//! fixture's adapters are also served in front of the recording mock upstream (`shaped_tests`).

#[rustfmt::skip]
#[path = "../../fixtures/minimal/expected/mod.rs"]
pub mod minimal;

#[rustfmt::skip]
#[path = "../../fixtures/kitchen-sink/expected/mod.rs"]
pub mod kitchen_sink;

#[rustfmt::skip]
#[path = "../../fixtures/renamed/expected/mod.rs"]
pub mod renamed;

#[rustfmt::skip]
#[path = "../../fixtures/shaped/expected/mod.rs"]
pub mod shaped;

#[cfg(test)]
mod shaped_tests;

#[rustfmt::skip]
#[path = "../../fixtures/bodies/expected/mod.rs"]
pub mod bodies;

#[cfg(test)]
mod bodies_tests;

#[rustfmt::skip]
#[path = "../../fixtures/params/expected/mod.rs"]
pub mod params;

#[cfg(test)]
mod params_tests;

#[rustfmt::skip]
#[path = "../../fixtures/auth/expected/mod.rs"]
pub mod auth;

#[rustfmt::skip]
#[path = "../../fixtures/imported/expected/mod.rs"]
pub mod imported;

#[cfg(test)]
mod tests {
    use super::kitchen_sink::client::{ListProductsQuery, ShopClient, StatusClient};
    use naftiko_runtime::client::{Auth, Transport, TransportConfig};

    /// The generated signatures are the ones the fixture promises (a change here is a change of the client's API).
    #[test]
    fn generated_api_has_the_expected_shape() {
        let transport =
            Transport::new(TransportConfig::new("http://127.0.0.1:9", Auth::None)).unwrap();
        let shop = ShopClient::new(transport.clone());
        let status = StatusClient::new(transport);
        let q = ListProductsQuery {
            currency: "EUR".into(),
            type_: Some("t".into()),
            min_price: Some(1.5),
            in_stock: Some(true),
            search_params: Some([("search.name".to_owned(), "x".to_owned())].into()),
            ..Default::default()
        };
        // Only the types are checked here; nothing is sent.
        drop(shop.list_products(&q));
        drop(shop.create_product(Some(&serde_json::json!({"name": "p"}))));
        drop(shop.getvariant("p", "v"));
        drop(shop.replacevariant("p", "v", Some(&serde_json::json!({}))));
        drop(status.health());
        assert_eq!(
            super::kitchen_sink::client::SHOP_BASE_URI,
            "https://[region].[tenant].shop.example"
        );
        assert_eq!(
            super::kitchen_sink::client::SHOP_BASE_URI_PLACEHOLDERS,
            &["region", "tenant"]
        );
        assert_eq!(
            super::minimal::client::NOTES_BEARER_TOKEN_VAR,
            "NOTES_TOKEN"
        );
    }

    /// The rename file next to the fixture's spec chose these Rust names; the spec's names stay on the wire.
    #[test]
    fn renamed_names_are_the_rename_files() {
        use super::renamed::client::{
            ArchiveClient, Bindings, Clients, GetitemQuery, ListItemsQuery, MY_API_BASE_URI,
            MyApiClient,
        };
        use super::renamed::{mcp, rest};
        use naftiko_runtime::client::{Auth, Transport, TransportConfig};

        let transport =
            Transport::new(TransportConfig::new("http://127.0.0.1:9", Auth::None)).unwrap();
        let clients = Clients {
            my_api: MyApiClient::new(transport.clone()),
            archive: ArchiveClient::new(transport),
            bindings: Bindings { token: None },
        };
        let q = GetitemQuery {
            kind: Some("full".into()),
        };
        // Only the types are checked here; nothing is sent.
        drop(clients.my_api.getitem("i1", &q));
        drop(
            clients
                .archive
                .list_items(&ListItemsQuery { limit: Some(5) }),
        );
        assert_eq!(MY_API_BASE_URI, "https://items.example");
        assert_eq!(
            rest::ITEMS_ROUTES,
            &[("GET", "/items/{id}"), ("GET", "/archive")]
        );
        let _router: fn(std::sync::Arc<Clients>) -> axum::Router = rest::items_router;
        assert_eq!(mcp::AGENTS_NAME, "items-mcp");
        assert_eq!(mcp::AGENTS_TOOLS[0].name, "getitem");
        assert!(mcp::AGENTS_TOOLS[0].input_schema.contains(r#""type":{"#));
        let _server: fn(std::sync::Arc<Clients>) -> mcp::AgentsServer = mcp::AgentsServer::new;
    }

    /// Each way of authenticating the fixture `auth` shows reaches the upstream as the spec says: the generated
    /// `…_auth` functions build the runtime's `Auth` from the bound values, and the transport applies it to every
    /// request.
    #[tokio::test]
    async fn generated_authentication_reaches_the_upstream() {
        use super::auth::client::{
            Bindings, CrmClient, ForecastQuery, LegacyClient, NotesClient, WeatherClient, crm_auth,
            legacy_auth, notes_auth, notes_params, weather_auth, weather_params,
        };
        use e2e_tests::MockUpstream;
        use naftiko_runtime::client::{Auth, Secret, Transport, TransportConfig};

        let mock = MockUpstream::start().await;
        let bindings = Bindings {
            notes_key: Some(Secret::new("notes-key")),
            notes_version: Some(Secret::new("2024-06")),
            crm_key: Some(Secret::new("crm-key")),
            crm_app: Some(Secret::new("crm-app")),
            legacy_password: Some(Secret::new("open sesame")),
            ..Bindings::default()
        };
        let transport =
            |auth: Auth| Transport::new(TransportConfig::new(mock.url(), auth)).unwrap();

        // The fixed parameters go through the transport's configuration, next to the authentication.
        let with_params = |auth: Auth, params| {
            Transport::new(TransportConfig::new(mock.url(), auth).with_params(params)).unwrap()
        };
        NotesClient::new(with_params(
            notes_auth(&bindings).unwrap(),
            notes_params(&bindings).unwrap(),
        ))
        .getnote("n1")
        .await
        .unwrap();
        let query = ForecastQuery {
            city: "Lyon".into(),
        };
        WeatherClient::new(with_params(
            weather_auth(&bindings).unwrap(),
            weather_params(&bindings).unwrap(),
        ))
        .forecast(&query)
        .await
        .unwrap();
        CrmClient::new(transport(crm_auth(&bindings).unwrap()))
            .list_contacts()
            .await
            .unwrap();
        LegacyClient::new(transport(legacy_auth(&bindings).unwrap()))
            .list_orders()
            .await
            .unwrap();

        let requests = mock.api_requests();
        assert_eq!(requests.len(), 4);
        let notes = &requests[0];
        assert_eq!(notes.path, "/notes/n1");
        assert_eq!(notes.header("x-api-key").as_deref(), Some("notes-key"));
        assert_eq!(notes.header("notes-version").as_deref(), Some("2024-06"));
        assert_eq!(notes.authorization(), None);
        let weather = &requests[1];
        assert_eq!(
            weather.query.as_deref(),
            Some("city=Lyon&appid=demo-key&units=metric")
        );
        assert_eq!(
            weather.header("user-agent").as_deref(),
            Some("auth-fixture/1.0")
        );
        let crm = &requests[2];
        assert_eq!(
            (
                crm.header("x-api-key").as_deref(),
                crm.header("x-app-key").as_deref()
            ),
            (Some("crm-key"), Some("crm-app"))
        );
        // base64("gateway:open sesame")
        assert_eq!(
            requests[3].authorization().as_deref(),
            Some("Basic Z2F0ZXdheTpvcGVuIHNlc2FtZQ==")
        );
    }

    /// An unset bound value is a configuration error naming the variable and where it is read from.
    #[test]
    fn generated_authentication_names_an_unset_value() {
        use super::auth::client::{
            Bindings, CRM_X_APP_KEY_VAR, LEGACY_BASIC_USERNAME, WEATHER_APPID, crm_auth,
            weather_auth,
        };
        use naftiko_runtime::client::{ApiKey, Auth, Secret};

        let bindings = Bindings {
            crm_key: Some(Secret::new("crm-key")),
            ..Bindings::default()
        };
        let e = crm_auth(&bindings).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid client configuration: `{{CRM_APP}}` is not set (read from `CRM_APP_KEY`)"
        );
        assert_eq!(CRM_X_APP_KEY_VAR, "CRM_APP");
        let e = super::auth::client::notes_params(&bindings).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid client configuration: `{{NOTES_VERSION}}` is not set (read from `NOTES_API_VERSION`)"
        );
        // A literal needs no bound value.
        let Auth::ApiKeys(keys) = weather_auth(&Bindings::default()).unwrap() else {
            panic!("API keys");
        };
        assert_eq!(keys, [ApiKey::query("appid", Secret::new("demo-key"))]);
        assert_eq!(
            (WEATHER_APPID, LEGACY_BASIC_USERNAME),
            ("demo-key", "gateway")
        );
    }
}

/// An exposure's `authentication`: the generated `…_auth` functions build what callers must send, and the runtime's
/// layer in front of the generated router refuses a request without it before the upstream is called.
#[cfg(test)]
mod inbound_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::sync::Arc;

    use super::auth::client::{Bindings, Clients, NotesClient, notes_auth};
    use super::auth::{mcp, rest};
    use e2e_tests::{MockUpstream, Reply};
    use naftiko_runtime::client::{Auth, Secret, Transport, TransportConfig};
    use naftiko_runtime::inbound::RequireAuthLayer;

    fn bindings() -> Bindings {
        Bindings {
            notes_key: Some(Secret::new("notes-key")),
            notes_version: Some(Secret::new("2024-06")),
            gateway_key: Some(Secret::new("caller-key")),
            mcp_token: Some(Secret::new("caller-token")),
            ..Bindings::default()
        }
    }

    #[tokio::test]
    async fn a_rest_exposure_with_an_api_key_refuses_callers_without_it() {
        let mock = MockUpstream::start().await;
        mock.on(Some("GET"), "/notes/n1", Reply::json(200, r#"{"id":"n1"}"#));
        let bindings = bindings();
        let transport = Transport::new(TransportConfig::new(
            mock.url(),
            notes_auth(&bindings).unwrap(),
        ))
        .unwrap();
        let layer = RequireAuthLayer::new(&rest::auth_rest_auth(&bindings).unwrap()).unwrap();
        let clients = Arc::new(Clients {
            notes: NotesClient::new(transport.clone()),
            weather: super::auth::client::WeatherClient::new(transport.clone()),
            crm: super::auth::client::CrmClient::new(transport.clone()),
            legacy: super::auth::client::LegacyClient::new(transport.clone()),
            status: super::auth::client::StatusClient::new(transport),
            bindings,
        });
        let router = rest::auth_rest_router(clients).layer(layer);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let http = reqwest::Client::new();

        for key in [None, Some("wrong-key")] {
            let mut req = http.get(format!("{base}/notes/n1"));
            if let Some(k) = key {
                req = req.header("X-Gateway-Key", k);
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), 401, "{key:?}");
            assert_eq!(
                resp.headers()["www-authenticate"],
                "ApiKey header=\"X-Gateway-Key\""
            );
            let body: serde_json::Value = resp.json().await.unwrap();
            assert_eq!(body["code"], "gateway.unauthorized");
            assert_eq!(
                body["message"],
                "missing or wrong API key header `X-Gateway-Key`"
            );
        }
        assert!(
            mock.api_requests().is_empty(),
            "refused calls reach no upstream"
        );

        let resp = http
            .get(format!("{base}/notes/n1"))
            .header("X-Gateway-Key", "caller-key")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let sent = mock.api_requests();
        assert_eq!(sent.len(), 1);
        // The caller's key stays with the gateway; the upstream gets the API's own.
        assert_eq!(sent[0].header("x-gateway-key"), None);
        assert_eq!(sent[0].header("x-api-key").as_deref(), Some("notes-key"));
    }

    #[test]
    fn an_mcp_exposure_with_a_bearer_token_is_built_from_its_binding() {
        let Auth::Bearer(token) = mcp::auth_mcp_auth(&bindings()).unwrap() else {
            panic!("a bearer token");
        };
        assert_eq!(token.expose(), "caller-token");
        assert_eq!(mcp::AUTH_MCP_BEARER_TOKEN_VAR, "MCP_TOKEN");
        let e = mcp::auth_mcp_auth(&Bindings::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid client configuration: `{{MCP_TOKEN}}` is not set (read from `MCP_TOKEN`)"
        );
    }
}
