<?php
/*
 * The PHP library over libsamtykke lives with the WordPress plugin that uses it
 * (cms/wordpress/samtykke/lib/samtykke.php), so there is one PHP layer; a Drupal
 * module or any other PHP host requires that file, as this example does.
 */
declare(strict_types=1);

require_once __DIR__ . '/../../cms/wordpress/samtykke/lib/samtykke.php';
