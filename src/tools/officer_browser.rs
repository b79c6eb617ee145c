//! An officer's browser, as the tests and the demo drive the reference portal's officer
//! pages over HTTP: signs in through the sign-in form (echoing its cookie and token, sending
//! the portal's own `Origin`), keeps the session cookie, reads pages, and posts forms with
//! the session's form token. Redirects are not followed, so callers see each answer.

/// A signed-in officer's browser.
pub struct OfficerBrowser {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

/// The value of a hidden input named `name` in `html`.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// The `name=value` of the cookie `name` a response sets.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// A client that shows redirects instead of following them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a plain HTTP client builds")
}

impl OfficerBrowser {
    /// Signs in at `base` (the portal's origin); the answer's status and page when refused.
    pub async fn sign_in(
        base: &str,
        name: &str,
        password: &str,
    ) -> Result<OfficerBrowser, (u16, String)> {
        let failed = |e: reqwest::Error| (0, e.to_string());
        let client = client();
        let form = client
            .get(format!("{base}/officer/sign-in"))
            .send()
            .await
            .map_err(failed)?;
        let echo = set_cookie(&form, "xakiosk_sign_in").unwrap_or_default();
        let html = form.text().await.map_err(failed)?;
        let token = hidden_field(&html, "form_token").unwrap_or_default();
        let answer = client
            .post(format!("{base}/officer/sign-in"))
            .header("cookie", echo)
            .header("origin", base)
            .form(&[
                ("name", name),
                ("password", password),
                ("form_token", &token),
            ])
            .send()
            .await
            .map_err(failed)?;
        let status = answer.status().as_u16();
        let session = set_cookie(&answer, "xakiosk_officer")
            .or_else(|| set_cookie(&answer, "__Host-xakiosk_officer"));
        match session {
            Some(cookie) if status == 303 => Ok(OfficerBrowser {
                client,
                base: base.to_string(),
                cookie,
            }),
            _ => Err((status, answer.text().await.unwrap_or_default())),
        }
    }

    /// The session cookie (`name=value`), to replay it from elsewhere.
    pub fn cookie(&self) -> &str {
        &self.cookie
    }

    /// GET `path`: the status and the body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        match self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
        {
            Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
            Err(e) => (0, e.to_string()),
        }
    }

    /// The page at `path` when it answers 200, else why not.
    pub async fn page(&self, path: &str) -> Result<String, String> {
        match self.get(path).await {
            (200, html) => Ok(html),
            (status, body) => Err(format!("{path}: {status} {body}")),
        }
    }

    /// The form token of the session, read from the officer list.
    pub async fn form_token(&self) -> Result<String, String> {
        let html = self.page("/officer").await?;
        hidden_field(&html, "csrf").ok_or_else(|| "no form token on /officer".to_string())
    }

    /// POSTs `fields` and the session's form token to `path` from the portal's own page;
    /// the status and the body.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let csrf = self.form_token().await.unwrap_or_default();
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf", &csrf));
        match self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("origin", &self.base)
            .form(&form)
            .send()
            .await
        {
            Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
            Err(e) => (0, e.to_string()),
        }
    }
}
