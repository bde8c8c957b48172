-- Roles for Lintas on a fresh PostgreSQL (docker-compose runs this once, as the superuser, in the `lintas` database).
-- lintas_owner owns the schema and runs migrations; lintas_app is what the API and worker connect as (rows only, no DDL,
-- and no UPDATE/DELETE of audit history). Passwords come from the environment of the postgres container.
\set owner_password `echo "$LINTAS_OWNER_PASSWORD"`
\set app_password `echo "$LINTAS_APP_PASSWORD"`
CREATE ROLE lintas_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE lintas_app LOGIN PASSWORD :'app_password';
ALTER DATABASE lintas OWNER TO lintas_owner;
ALTER SCHEMA public OWNER TO lintas_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE lintas FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE lintas TO lintas_app;
