"""Template filters used on every surface: masking, money, working days left."""

from django import template

from opc_community.core import masking, money

register = template.Library()

register.filter("mask_name", masking.mask_person_name)
register.filter("mask_phone", masking.mask_phone)
register.filter("mask_identity", masking.mask_identity_number)
register.filter("yuan", money.format_yuan)
