from django.db import migrations, models

import platforms.fields


class Migration(migrations.Migration):

    dependencies = [
        ('platforms', '0004_channel_platform_info_quota'),
    ]

    operations = [
        migrations.CreateModel(
            name='MastodonApp',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('instance_url', models.CharField(max_length=255, unique=True, verbose_name='instance')),
                ('client_id', models.CharField(max_length=255, verbose_name='client id')),
                ('secrets', platforms.fields.EncryptedJSONField(default=dict, editable=False,
                                                                verbose_name='client secret')),
                ('redirect_uri', models.CharField(max_length=1000, verbose_name='redirect URI')),
                ('scopes', models.CharField(max_length=255, verbose_name='scopes')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]
