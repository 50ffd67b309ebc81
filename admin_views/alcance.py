"""Alcance por unidad: la condición SQL del usuario y las búsquedas ajax con permiso y alcance.

Miembros privados de Flask-Admin de los que depende:
- `QueryAjaxModelLoader.get_query`, `get_list`, `get_one` y su atributo `fields` (contrib/sqla/ajax.py)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_login import current_user

from admin_views.entradas import LIMITE_AJAX, entero_id
from admin_views.permisos import puede
from models import db


def filtro_alcance(model):
    """Condición SQL del alcance del usuario sobre `model`, o None si ve todo."""
    if not current_user.is_authenticated:
        return sa.false()
    if not current_user.alcance_unidad or not hasattr(model, "filtro_unidad"):
        return None
    return model.filtro_unidad(current_user.unidad_id)



# --------------------------------------------------------------------------- ajax con alcance
def patron_like(texto: str) -> str:
    """`%texto%` con `%`, `_` y `\\` escapados (se usa con `escape="\\"`): se buscan literalmente."""
    return "%" + texto.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class CargadorAjax(QueryAjaxModelLoader):
    """Búsqueda ajax de un campo relación: exige «ver» en la pantalla del modelo buscado (`vista`, por defecto
    su tabla) y aplica su alcance, al buscar y al leer el id enviado por el formulario."""

    def __init__(self, name, model, fields, vista: str | None = None, **options):
        options.setdefault("page_size", 10)
        options.setdefault("minimum_input_length", 1)
        options.setdefault("placeholder", "Escriba para buscar…")
        self.vista = vista or model.__tablename__
        super().__init__(name, db, model, fields=fields, **options)

    def permitido(self) -> bool:
        return puede(self.vista, "ver")

    def get_query(self):
        q = super().get_query()
        if not self.permitido():
            return q.filter(sa.false())
        cond = filtro_alcance(self.model)
        return q if cond is None else q.filter(cond)

    def get_list(self, term, offset=0, limit=LIMITE_AJAX):
        patron = patron_like(term or "")
        campos = [sa.cast(c, sa.String).ilike(patron, escape="\\") for c in self._cached_fields]
        query = self.get_query().filter(sa.or_(*campos))
        orden = self.order_by if self.order_by is not None else getattr(self.model, self.pk)
        return query.order_by(orden).offset(max(offset or 0, 0)).limit(min(max(limit or 1, 1), LIMITE_AJAX)).all()

    def get_one(self, pk):
        pk = entero_id(pk)
        if pk is None:
            return None
        return self.get_query().filter(getattr(self.model, self.pk) == pk).one_or_none()
