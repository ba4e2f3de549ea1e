# One image for every service in docker-compose.yml (web, workers, beat, sandbox, migrate).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Node and npm only to install the front-end packages from package-lock.json; removed afterwards.
COPY package.json package-lock.json ./
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && npm ci --no-audit --no-fund --loglevel=error \
 && apt-get purge -y nodejs npm && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* /root/.npm

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
# Copy the vendored browser files into static/vendor/ and collect all static files into staticfiles/.
# collectstatic imports settings, which need secrets when DEBUG is off: build-time throwaway values only.
RUN python scripts/vendor.py \
 && rm -rf node_modules \
 && DEBUG=false SECRET_KEY=build-only FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1rZXktbm90LWZvci1ydW50aW1lISE= \
    sh -c 'python manage.py collectstatic --noinput -v0 && python manage.py compile_translations -v0' \
 && useradd --create-home --uid 10001 smo \
 && mkdir -p /app/var && chown -R smo /app/var

USER smo
EXPOSE 8000 8100
ENTRYPOINT ["docker/entrypoint.sh"]
CMD ["gunicorn", "smo.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
